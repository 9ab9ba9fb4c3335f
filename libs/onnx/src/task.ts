import type { ModelTask } from '@switchyard/domain';
import type { ModelSignature } from './signature';

const FLOATING = new Set(['FP16', 'FP32', 'FP64', 'BF16']);

/**
 * What a model's outputs most likely mean, when its owner has not said (PATCH /v1/models/{name} task).
 * A label output (integers, strings, booleans — what scikit-learn classifiers export first) or a float
 * output with a fixed last dimension above 1 (a score per class) is a classifier; a single float per
 * row is a regression.
 */
export function inferTask(signature: ModelSignature | null): ModelTask {
  const first = signature?.outputs[0];
  if (!first) return 'regression';
  if (!FLOATING.has(first.datatype)) return 'classification';
  const last = first.shape.at(-1);
  return last !== undefined && last > 1 ? 'classification' : 'regression';
}
