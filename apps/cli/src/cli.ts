import { parseCommandLine, USAGE } from './args';
import { runCommand, type Io } from './commands';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError } from './errors';

/** The whole CLI: parses, runs, and turns every failure into a message and an exit code (never a stack trace). */
export async function main(argv: string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  const err = (text: string) => io.stderr.write(`${text}\n`);
  try {
    const parsed = parseCommandLine(argv, env);
    if ('help' in parsed) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    }
    return await runCommand(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`switchyard: ${error.message}\n\n${USAGE}`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      err(`switchyard: ${error.message}`);
      return error.exitCode;
    }
    err(`switchyard: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
