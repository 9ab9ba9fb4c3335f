import type { Row } from './record';
import { formatTable } from './report';

const row = (id: string, scenario: string, figure: string, cpu: string, verdict: Row['verdict']): Row => ({ id, scenario, figure, p50: '1.250', p99: '12.500', non2xx: '0', errors: '0', cpu, ratio: '', target: '', verdict });

describe('formatTable', () => {
  it('pads text columns on the right and figures on the left, under a ruled header, without trailing spaces', () => {
    expect(formatTable([row('base', 'bare', '14013', '96.4', 'n/a'), row('1', 'gateway /v1 predict', '512', '', 'PASS')]).split('\n')).toEqual([
      '#     scenario             req/s  p50 ms  p99 ms  non-2xx  errors  CPU µs/resp  ratio  target  verdict',
      '----  -------------------  -----  ------  ------  -------  ------  -----------  -----  ------  -------',
      'base  bare                 14013   1.250  12.500        0       0         96.4                 n/a',
      '1     gateway /v1 predict    512   1.250  12.500        0       0                              PASS',
    ]);
  });
});
