/** Versions are PostgreSQL `integer`s counted from 1: the largest one a model can have. */
export const MAX_VERSION_NUMBER = 2_147_483_647;

/**
 * A version number as a path writes it: decimal digits without sign, leading zero, point or
 * exponent, from 1 to MAX_VERSION_NUMBER. Anything else (`0x1`, `1.0`, `1e0`, `01`,
 * `2147483648`) is undefined, never a version it happens to convert to.
 */
export function parseVersionNumber(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const version = Number(text);
  return version <= MAX_VERSION_NUMBER ? version : undefined;
}
