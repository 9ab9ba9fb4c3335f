import { DomainError } from '@switchyard/errors';

/**
 * Opaque keyset cursors: base64url of `{"after": <sort key of the last item>}`. Clients pass back what
 * they got; anything else is refused with INVALID_CURSOR rather than silently restarting the list.
 */
export function encodeCursor(after: string | number): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

export function decodeCursor<T extends 'string' | 'number'>(
  cursor: string,
  kind: T,
): T extends 'string' ? string : number {
  const invalid = () => new DomainError('INVALID_CURSOR', 'cursor is not one this API returned; pass next_cursor unchanged or omit it', {
    errors: [{ field: 'cursor', message: 'malformed cursor' }],
  });
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const after = (parsed as { after?: unknown } | null)?.after;
  if (kind === 'number' ? !Number.isSafeInteger(after) : typeof after !== 'string') throw invalid();
  return after as T extends 'string' ? string : number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Fetch limit+1 rows; if the extra one exists there is a next page, keyed by the last returned item. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string | number,
  present: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return {
    items: pageRows.map(present),
    next_cursor: hasMore && pageRows.length ? encodeCursor(keyOf(pageRows[pageRows.length - 1])) : null,
  };
}
