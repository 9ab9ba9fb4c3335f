export interface TensorProblem {
  /** Where in the request body, e.g. `inputs.x[2][1]` or `inputs[0].shape`. */
  field: string;
  message: string;
}

/** A body with thousands of bad elements would otherwise produce a response as large as the request. */
export const MAX_PROBLEMS = 20;

/**
 * Everything wrong with a request body, found in one pass so the caller can fix it in one go. The
 * /v1 layer turns `problems` into problem+json `errors`; the /v2 layer sends `message`, which joins them.
 */
export class TensorDecodeError extends Error {
  constructor(
    readonly problems: TensorProblem[],
    /** True when more problems were found than `problems` lists (see MAX_PROBLEMS). */
    readonly truncated = false,
    /**
     * True when an INT64 or UINT64 element was a JSON number beyond ±(2^53 − 1), which the JSON parser
     * had already rounded: reading the body's text again with exact integers may take it (exact-integers.ts).
     */
    readonly roundedIntegers = false,
  ) {
    const joined = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    super(truncated ? `${joined}; and further problems not listed` : joined);
    this.name = 'TensorDecodeError';
  }
}

/**
 * Collects problems up to MAX_PROBLEMS. Walkers stop once `full`, i.e. once a problem had to be
 * dropped, so a hopeless body costs no more than MAX_PROBLEMS + 1 findings.
 */
export class ProblemList {
  private readonly items: TensorProblem[] = [];
  private dropped = false;
  /** See TensorDecodeError.roundedIntegers. */
  roundedIntegers = false;

  get full(): boolean {
    return this.dropped;
  }

  add(field: string, message: string): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push({ field, message });
    else this.dropped = true;
  }

  list(): TensorProblem[] {
    return [...this.items];
  }

  throwIfAny(): void {
    if (this.items.length > 0) throw new TensorDecodeError(this.items, this.dropped, this.roundedIntegers);
  }
}
