/** A /v1 predict body given at upload (MLflow's input_example): the smoke input and each gateway's warm-up. */
export type InputExample = { inputs: Record<string, unknown> } | { instances: unknown[] };
