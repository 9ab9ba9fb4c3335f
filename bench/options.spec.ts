import * as path from 'node:path';
import { parseArgs, USAGE } from './options';

describe('parseArgs (npm run bench -- …)', () => {
  it('runs every scenario with the documented defaults when given nothing', () => {
    expect(parseArgs([])).toEqual({
      kind: 'run',
      options: { only: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], durationS: 10, connections: 32, uploadMib: 1024, ingestEvents: 200_000, profileDir: null },
    });
  });

  it('takes scenarios by number or name, in table order, once each, and values after a space or an equals sign', () => {
    const parsed = parseArgs(['--only', 'oip,1,Gateway, 10', '--duration=2.5', '--connections', '8', '--upload-mib=8', '--ingest-events', '5000', '--profile', 'profiles']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { only: [1, 3, 10], durationS: 2.5, connections: 8, uploadMib: 8, ingestEvents: 5000, profileDir: path.resolve('profiles') },
    });
  });

  it('answers --help (or -h) wherever it stands', () => {
    expect(parseArgs(['--only', '1', '-h'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--help', '--frobnicate'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['stray'], 'unexpected argument "stray"'],
    [['--only'], '--only expects a list of scenarios'],
    [['--only', ','], '--only expects a list of scenarios'],
    [['--only', '1,nope'], 'unknown scenario "nope"'],
    [['--duration', '0'], '--duration expects a positive number, got "0"'],
    [['--duration'], '--duration expects a positive number, got nothing'],
    [['--connections', '1.5'], '--connections expects a positive integer, got "1.5"'],
    [['--upload-mib', 'lots'], '--upload-mib expects a positive integer, got "lots"'],
    [['--ingest-events', '700'], '--ingest-events expects a multiple of 500, got 700'],
    [['--profile'], '--profile expects a directory'],
  ])('refuses %j: %s', (argv, message) => {
    expect(parseArgs(argv)).toEqual({ kind: 'error', message });
  });

  it('lists every scenario by number and name in the usage', () => {
    expect(USAGE).toContain('1 gateway, 2 two-cores, 3 oip, 4 batching, 5 isolation, 6 hot-swap, 7 propagation, 8 upload, 9 ingestion, 10 stats');
  });
});
