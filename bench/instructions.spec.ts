import * as path from 'node:path';
import { parseInstructionArgs } from './instructions';

describe('bench:instructions options', () => {
  it('counts bare and the gateway with the log by default, in windows of 3,000 after 20,000', () => {
    const parsed = parseInstructionArgs([]);
    expect(parsed).toMatchObject({ kind: 'run', options: { targets: ['bare', 'gateway'], warm: 20_000, window: 3_000, windows: 3, top: 25 } });
  });

  it('takes its targets in order, a build, and sizes', () => {
    const parsed = parseInstructionArgs(['--target', 'gateway-log-off,gateway', '--dist', 'dist-base', '--warm', '500', '--window', '100', '--windows', '2', '--top', '5']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { targets: ['gateway-log-off', 'gateway'], dist: path.resolve('dist-base'), warm: 500, window: 100, windows: 2, top: 5 },
    });
  });

  it('counts the worker too, per logged prediction', () => {
    expect(parseInstructionArgs(['--target', 'worker', '--window', '5000'])).toMatchObject({ kind: 'run', options: { targets: ['worker'], window: 5_000 } });
  });

  it('keeps the dumps where --keep says, as an absolute path', () => {
    expect(parseInstructionArgs(['--keep', 'bench/results/dumps'])).toMatchObject({ kind: 'run', options: { keep: path.resolve('bench/results/dumps') } });
    const parsed = parseInstructionArgs([]);
    expect(parsed.kind === 'run' && 'keep' in parsed.options).toBe(false);
  });

  it('refuses an unknown target, a size that is not a positive integer and an unknown option, saying which', () => {
    expect(parseInstructionArgs(['--target', 'bare,gateway-2'])).toEqual({ kind: 'error', message: '--target takes bare, gateway, gateway-log-off, worker; got "gateway-2"' });
    for (const size of ['0', '-3', '1.5', 'ten', '']) {
      expect(parseInstructionArgs([`--window=${size}`])).toEqual({ kind: 'error', message: `--window expects a positive integer, got ${JSON.stringify(size)}` });
    }
    expect(parseInstructionArgs(['--rate', '5'])).toMatchObject({ kind: 'error', message: expect.stringContaining("'--rate'") });
    expect(parseInstructionArgs(['--help'])).toEqual({ kind: 'help' });
  });
});
