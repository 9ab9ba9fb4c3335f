/** A request's output, summarised: the first output's first row. */
export type OutputSummary = { value: number } | { label: string };
