/**
 * `predictions` for a request in the row format: one entry per instance, as TensorFlow Serving and
 * KServe's v1 protocol answer. For a model with one output each entry is that output's row; with
 * several, an object of output name → the instance's row. `unbatched` names the outputs that have no
 * row per instance (a first dimension other than the number of instances), which the row format
 * cannot split; the columnar format (`inputs` → `outputs`) returns them whole.
 */
export function predictionRows(outputs: Record<string, unknown>, instances: number): { rows: unknown[] } | { unbatched: string[] } {
  const names = Object.keys(outputs);
  const unbatched = names.filter((name) => {
    const value = outputs[name];
    return !Array.isArray(value) || value.length !== instances;
  });
  if (unbatched.length > 0) return { unbatched };
  if (names.length === 1) return { rows: outputs[names[0]] as unknown[] };
  const rows: Record<string, unknown>[] = [];
  for (let index = 0; index < instances; index++) {
    const row: Record<string, unknown> = {};
    for (const name of names) row[name] = (outputs[name] as unknown[])[index];
    rows.push(row);
  }
  return { rows };
}

/** `outputs` for a request in the columnar format: a one-output model's value itself, else the object by name. */
export function columnarOutputs(outputs: Record<string, unknown>): unknown {
  const names = Object.keys(outputs);
  return names.length === 1 ? outputs[names[0]] : outputs;
}
