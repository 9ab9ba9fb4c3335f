import { formatBytes, formatDeployment, formatDuration, formatProgressBar, formatShadow, formatVersion, formatWaitLine, StatusLine } from './output';

describe('formatting', () => {
  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB');
    expect(formatDuration(4_900)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });

  it('draws a progress bar', () => {
    expect(formatProgressBar(0, 100, 10)).toBe('[----------]   0% 0 B/100 B');
    expect(formatProgressBar(50, 100, 10)).toBe('[#####-----]  50% 50 B/100 B');
    expect(formatProgressBar(100, 100, 10)).toBe('[##########] 100% 100 B/100 B');
    expect(formatProgressBar(0, 0, 4)).toBe('[####] 100% 0 B/0 B');
  });

  it('draws a spinner line', () => {
    expect(formatWaitLine(0, 'validating m v1', 3_000)).toBe('| validating m v1 3s');
    expect(formatWaitLine(5, 'x', 0)).toBe('/ x 0s');
  });

  it('lists the warnings of a version validation could not fully check', () => {
    const signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [] };
    const warned = { version: 3, status: 'ready', signature, validation: { warnings: ['no synthetic input ran', 'upload with metadata.input_example'] } };
    expect(formatVersion('m', warned)).toMatch(/\n {2}warnings:\n {4}- no synthetic input ran\n {4}- upload with metadata\.input_example$/);
    expect(formatVersion('m', { ...warned, validation: { warnings: [] } })).not.toContain('warnings');
  });

  it('describes a deployment', () => {
    const text = formatDeployment('m', { champion: { version: 1 }, challenger: { version: 2 }, challenger_percent: 10, revision: 4 });
    expect(text).toContain('revision 4');
    expect(text).toContain('champion:   v1');
    expect(text).toContain('challenger: v2 (10% of traffic)');
    expect(text).not.toContain('shadow');
    expect(formatDeployment('m', { champion: { version: 1 }, shadow: { version: 3 }, shadow_percent: 50, revision: 5 })).toContain("shadow:     v3 (copies of 50% of the champion's requests)");
  });

  it('describes the shadow section of the stats', () => {
    const deployment = { shadow: { version: 3 }, shadow_percent: 100 };
    const window = { from: '2026-11-24T08:00:00Z', to: '2026-11-24T09:00:00Z' };
    expect(formatShadow('m', deployment, null, window)).toContain('no shadow answers logged in the window');
    const classes = formatShadow('m', deployment, {
      version: 3, requests: 200, errors: 2, error_rate: 0.01, latency_ms: { p50: 0.5, p95: 1, p99: 2.25 },
      agreement: { rate: 0.75, compared: 198, interval: { low: 0.6861, high: 0.8053 } }, output_difference: null,
      quality: { task: 'classification', labelled: 40, metrics: { accuracy: { value: 0.8, interval: null } } },
    }, window);
    expect(classes).toContain("m shadow: v3 at 100% of the champion's requests");
    expect(classes).toContain('200 from v3, 2 errors (1.00%)');
    expect(classes).toContain('p99 2.25 ms');
    expect(classes).toContain('agreement:  75.00% of 198 compared (95% CI 68.61% to 80.53%)');
    expect(classes).toContain('accuracy 0.8 over 40 requests with feedback');
    const values = formatShadow('m', deployment, {
      version: 3, requests: 10, errors: 0, error_rate: 0, latency_ms: {}, agreement: null, quality: null,
      output_difference: { compared: 10, mean: -0.125, mean_absolute: 0.5, p50_absolute: 0.5, p95_absolute: 1.2 },
    }, window);
    expect(values).toContain('shadow − champion mean -0.125, mean |·| 0.5, p50 |·| 0.5, p95 |·| 1.2 over 10');
  });
});

describe('StatusLine', () => {
  function stream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, isTTY, columns: 40, write: (chunk: string) => writes.push(chunk) > 0 };
  }

  it('writes nothing when the stream is not a terminal', () => {
    const s = stream(false);
    const line = StatusLine.for(s, false);
    line.update('hello', true);
    line.done();
    expect(s.writes).toEqual([]);
  });

  it('writes nothing for machine output even on a terminal', () => {
    const s = stream(true);
    StatusLine.for(s, true).update('hello', true);
    expect(s.writes).toEqual([]);
  });

  it('redraws in place on a terminal and clears when done', () => {
    const s = stream(true);
    const line = StatusLine.for(s, false);
    line.update('one');
    line.update('two'); // throttled
    line.update('three', true);
    line.done();
    expect(s.writes).toHaveLength(3);
    expect(s.writes[0].startsWith('\rone')).toBe(true);
    expect(s.writes[1].startsWith('\rthree')).toBe(true);
    expect(s.writes[2].endsWith('\r')).toBe(true);
  });
});
