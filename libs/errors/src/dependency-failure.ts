/** Socket-level failures: the peer is down or unreachable, not a bug here. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** PostgreSQL SQLSTATEs for a lost or refused connection and a server shutting down (classes 08 and 57P). */
const POSTGRES_UNAVAILABLE = /^(08\d{3}|57P0[1-3])$/;

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Connection is closed',
  "Stream isn't writeable",
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];

/**
 * True when an error means a dependency (PostgreSQL, Redis, the artifact store) could not be reached,
 * which the API answers with 503 and Retry-After rather than 500. Looks through wrapped causes
 * (TypeORM's driverError, `cause`, AggregateError).
 */
export function isDependencyFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    cause?: unknown;
    driverError?: unknown;
    errors?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof candidate.code === 'string' && (NETWORK_CODES.has(candidate.code) || POSTGRES_UNAVAILABLE.test(candidate.code))) return true;
  if (typeof candidate.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => (candidate.message as string).includes(m))) return true;
  // The AWS SDK: a 5xx from S3, or no answer at all.
  if (candidate.$metadata && (candidate.$metadata.httpStatusCode ?? 0) >= 500) return true;
  if (candidate.name === 'TimeoutError') return true;
  const nested = [candidate.cause, candidate.driverError, ...(Array.isArray(candidate.errors) ? candidate.errors : [])];
  return nested.some((inner) => isDependencyFailure(inner, depth + 1));
}
