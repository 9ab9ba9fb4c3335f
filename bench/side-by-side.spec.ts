import * as path from 'node:path';
import { DIST } from '../test/support/processes';
import { BARE, parseSideBySideArgs, summariseRounds, USAGE } from './side-by-side';

describe('parseSideBySideArgs (npm run bench:side-by-side -- …)', () => {
  it('compares this build with itself at the documented defaults when given nothing', () => {
    expect(parseSideBySideArgs([])).toEqual({ kind: 'run', options: { a: DIST, b: DIST, envA: {}, envB: {}, rate: 1500, seconds: 12, rounds: 4, connections: 16 } });
  });

  it('takes two builds, settings for each, and the load, after a space or an equals sign', () => {
    const parsed = parseSideBySideArgs(['--a', 'dist-base', '--b=dist', '--env-b', 'PREDICTION_LOG_ENABLED=false', '--env-b', 'LOG_LEVEL=a=b', '--env-a=AUTH_ENABLED=true', '--rate', '800.5', '--seconds=5', '--rounds', '3', '--connections', '8']);
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        a: path.resolve('dist-base'),
        b: path.resolve('dist'),
        envA: { AUTH_ENABLED: 'true' },
        envB: { PREDICTION_LOG_ENABLED: 'false', LOG_LEVEL: 'a=b' },
        rate: 800.5,
        seconds: 5,
        rounds: 3,
        connections: 8,
      },
    });
  });

  it('takes `--a bare` as the bare server in A\'s place, and refuses settings for it', () => {
    expect(parseSideBySideArgs(['--a', 'bare', '--env-b', 'PREDICTION_LOG_ENABLED=false'])).toEqual({
      kind: 'run',
      options: { a: BARE, b: DIST, envA: {}, envB: { PREDICTION_LOG_ENABLED: 'false' }, rate: 1500, seconds: 12, rounds: 4, connections: 16 },
    });
    expect(parseSideBySideArgs(['--a=bare', '--env-a', 'AUTH_ENABLED=true'])).toEqual({ kind: 'error', message: '--env-a does not apply to --a bare: the bare server takes no settings' });
  });

  it('answers --help (or -h), and its usage names every option', () => {
    expect(parseSideBySideArgs(['--rate', '5', '-h'])).toEqual({ kind: 'help' });
    for (const flag of ['--a', '--b', '--env-a', '--env-b', '--rate', '--seconds', '--rounds', '--connections', '--help']) expect(USAGE).toContain(flag);
  });

  it.each([
    [['--rate', '0'], '--rate expects a positive number, got "0"'],
    [['--rounds', '2.5'], '--rounds expects a positive integer, got "2.5"'],
    [['--connections=x'], '--connections expects a positive integer, got "x"'],
    [['--env-b', 'lower=case'], '--env-b expects KEY=VALUE, got "lower=case"'],
    [['--env-a', 'NOVALUE'], '--env-a expects KEY=VALUE, got "NOVALUE"'],
  ])('refuses %j with a message that names the option', (argv, message) => {
    expect(parseSideBySideArgs(argv)).toEqual({ kind: 'error', message });
  });

  it('refuses an unknown option or a stray argument, naming it', () => {
    const unknown = parseSideBySideArgs(['--frobnicate']);
    expect(unknown.kind).toBe('error');
    expect((unknown as { message: string }).message).toContain('--frobnicate');
    const stray = parseSideBySideArgs(['stray']);
    expect(stray.kind).toBe('error');
    expect((stray as { message: string }).message).toContain('stray');
  });
});

describe('summariseRounds', () => {
  it('gives each round B/A, the median (the middle one of an odd count, the mean of the two middle of an even one) and the range', () => {
    expect(summariseRounds([{ a: 100, b: 90 }, { a: 100, b: 110 }, { a: 200, b: 200 }])).toEqual({ ratios: [0.9, 1.1, 1], median: 1, min: 0.9, max: 1.1 });
    expect(summariseRounds([{ a: 100, b: 90 }, { a: 100, b: 110 }, { a: 100, b: 95 }, { a: 100, b: 120 }])).toEqual({ ratios: [0.9, 1.1, 0.95, 1.2], median: 1.025, min: 0.9, max: 1.2 });
  });
});
