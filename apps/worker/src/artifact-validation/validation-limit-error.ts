/** The model went past a limit the validation runs under; the message says which, for its uploader. */
export class ValidationLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationLimitError';
  }
}
