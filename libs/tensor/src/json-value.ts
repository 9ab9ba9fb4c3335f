/** A JSON object (not an array, not null), as JSON.parse produces it. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const QUOTED_STRING_LIMIT = 32;

/** Names what a caller sent, for messages: `string "NaN"`, `number 1.5`, `an array`, `null`. */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > QUOTED_STRING_LIMIT ? `${value.slice(0, QUOTED_STRING_LIMIT)}…` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
