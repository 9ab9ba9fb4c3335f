/** Exit codes: 0 success, 1 the registry refused or a version failed, 2 usage, 3 the registry is unreachable. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

/** An expected failure: its message is shown as is (never a stack trace) and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** A bad value commander cannot see (an environment variable, the --input-example file): exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** A problem+json answer (or any non-2xx) from the registry. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly body: unknown = undefined,
  ) {
    super(formatApiError(status, detail, errors), EXIT_FAILURE);
  }
}

/** What to do about a refused key, which the registry's own detail cannot know (it is the CLI's flags). */
const KEY_HINTS: Record<number, string> = {
  401: 'pass a valid API key with --api-key or SWITCHYARD_API_KEY',
  403: 'this key lacks the role (or the model) this command needs; ask an admin for a key that has it',
};

export function formatApiError(status: number, detail: string, errors: FieldError[] = []): string {
  const lines = [`error (${status}): ${detail}`];
  if (KEY_HINTS[status]) lines.push(`  ${KEY_HINTS[status]}`);
  for (const e of errors) {
    const line = `${e.field}: ${e.message}`;
    if (!detail.includes(line)) lines.push(`  ${line}`);
  }
  return lines.join('\n');
}

/** The message for a failed connection: `cannot reach the registry at <url>: ECONNREFUSED`. */
export function networkErrorMessage(registry: string, error: unknown): string {
  return `cannot reach the registry at ${registry}: ${networkErrorCode(error)}`;
}

export function networkErrorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const candidate = current as { code?: unknown; errors?: unknown[]; cause?: unknown; message?: unknown };
    if (typeof candidate.code === 'string' && candidate.code !== 'UND_ERR_SOCKET') return candidate.code;
    if (Array.isArray(candidate.errors) && candidate.errors.length > 0) {
      current = candidate.errors[0];
      continue;
    }
    if (candidate.cause) {
      current = candidate.cause;
      continue;
    }
    if (typeof candidate.message === 'string') return candidate.message;
    break;
  }
  return 'network error';
}
