/** What a bench script's command line asked for: a run with its options, the usage, or a refusal to print with it. */
export type CommandLine<Options> = { kind: 'run'; options: Options } | { kind: 'help' } | { kind: 'error'; message: string };

/** `--flag <raw>` as a positive number (an integer where `integer` says so), or the refusal that names it. */
export function positiveOption(flag: string, raw: string, integer: boolean): number | { error: string } {
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    return { error: `--${flag} expects a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}` };
  }
  return value;
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
