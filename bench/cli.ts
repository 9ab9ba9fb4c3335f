/** What a bench script's command line asked for: a run with its options, the usage, or a refusal to print with it. */
export type CommandLine<Options> = { kind: 'run'; options: Options } | { kind: 'help' } | { kind: 'error'; message: string };

/** `--flag <raw>` as a positive number (an integer where `integer` says so), or the refusal that names it. */
function positiveOption(flag: string, raw: string, integer: boolean): number | { error: string } {
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    return { error: `--${flag} expects a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}` };
  }
  return value;
}

/**
 * Sets each `flags` entry parsed from the command line (`values`, as node:util's parseArgs gives them)
 * on `options` as a positive number, an integer where the entry says so; the first refusal, or undefined.
 */
export function setPositiveOptions<Flag extends string>(
  options: Record<Flag, number>,
  values: Partial<Record<Flag, string>>,
  flags: ReadonlyArray<readonly [flag: Flag, integer: boolean]>,
): string | undefined {
  for (const [flag, integer] of flags) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const value = positiveOption(flag, raw, integer);
    if (typeof value !== 'number') return value.error;
    options[flag] = value;
  }
  return undefined;
}

/** The options to run with; undefined once the usage is printed (after the refusal, with exit code 2). */
export function optionsOrUsage<Options>(parsed: CommandLine<Options>, usage: string): Options | undefined {
  if (parsed.kind === 'run') return parsed.options;
  if (parsed.kind === 'help') {
    console.log(usage);
    return undefined;
  }
  console.error(`${parsed.message}\n\n${usage}`);
  process.exitCode = 2;
  return undefined;
}
