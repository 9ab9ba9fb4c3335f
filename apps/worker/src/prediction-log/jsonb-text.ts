/**
 * JSON text that PostgreSQL's jsonb accepts. jsonb refuses the escape `\u0000` (its text cannot hold a
 * NUL character), so a single NUL — in a sampled request body, a model's string output, a class label
 * given as feedback — failed the insert of its whole batch, and since a failed batch is retried before
 * anything newer, stopped ingestion for every model. NULs in strings and in keys become U+FFFD, the
 * replacement character, as a decoder writes what it cannot represent; everything else is unchanged.
 */
export function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  // JSON.stringify writes a NUL only as the escape \u0000, so a text without that sequence holds none
  // (the sequence can also be an escaped backslash followed by "u0000": cleaning then changes nothing).
  return text.includes('\\u0000') ? JSON.stringify(withoutNul(value)) : text;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.replaceAll('\u0000', '\uFFFD'), withoutNul(inner)]));
  }
  return value;
}
