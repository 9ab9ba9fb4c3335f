export const VARIANTS = ['champion', 'challenger'] as const;

export type Variant = (typeof VARIANTS)[number];

export function isVariant(value: string): value is Variant {
  return (VARIANTS as readonly string[]).includes(value);
}

/** UNKNOWN_VARIANT: the pin names no variant. NO_CHALLENGER: the pinned challenger does not exist. */
export type VariantPinProblem = 'UNKNOWN_VARIANT' | 'NO_CHALLENGER';

/**
 * A request pinned a variant that cannot serve it. The caller asked for something wrong, so the HTTP
 * layer answers 400; the message says what was wrong and is safe to show the caller.
 */
export class VariantPinError extends Error {
  constructor(
    readonly pin: string,
    readonly problem: VariantPinProblem,
    message: string,
  ) {
    super(message);
    this.name = 'VariantPinError';
  }
}
