/** A request's output, summarised: the first output's first row. */
/** A classifier's `probabilities` (class-index order) are kept when it serves them: log loss and AUC need them. */
export type OutputSummary = { value: number } | { label: string; probabilities?: number[] };
