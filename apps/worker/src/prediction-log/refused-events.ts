/**
 * PostgreSQL refused the data itself: SQLSTATE class 22 (data exception: a value out of range, an
 * invalid text representation, a character it cannot store) or 23 (integrity constraint violation).
 * Writing the same rows again fails the same way, so retrying them only stops the stream behind them.
 * Anything else (a lost connection, PostgreSQL shutting down, a serialization failure) may pass on
 * the next try.
 */
export function isRefusedData(error: unknown): boolean {
  const code = sqlStateOf(error);
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** A key already there (SQLSTATE 23505): the ingestion then writes its batch again, skipping what is there. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === '23505';
}

/** The SQLSTATE of a node-postgres error, or of one TypeORM wrapped. */
function sqlStateOf(error: unknown): unknown {
  return (error as { driverError?: { code?: unknown } } | null)?.driverError?.code ?? (error as { code?: unknown } | null)?.code;
}

/**
 * Writes `events` with `write` (one transaction); when PostgreSQL refuses the data, writes each half
 * on its own, down to single events, so that only the events it refuses are handed to `setAside` and
 * every other one is written. A refused event costs about log2(batch) extra transactions. Any error
 * that is not a refusal is thrown as it is, for the stream consumer's retry: halving would not help.
 * `write` must be idempotent over events it has already written (the ingestion's inserts are), since
 * a half may be retried by the consumer after an outage.
 */
export async function writeSettingAsideRefused<T>(
  events: T[],
  write: (events: T[]) => Promise<void>,
  setAside: (event: T, error: Error) => Promise<void>,
): Promise<void> {
  if (events.length === 0) return;
  try {
    await write(events);
  } catch (error) {
    if (!isRefusedData(error)) throw error;
    if (events.length === 1) return setAside(events[0], error as Error);
    const middle = Math.ceil(events.length / 2);
    await writeSettingAsideRefused(events.slice(0, middle), write, setAside);
    await writeSettingAsideRefused(events.slice(middle), write, setAside);
  }
}
