import type * as ort from 'onnxruntime-node';
import { describeSyntheticInput, inferenceFailure, type ModelSignature, SYNTHETIC_MAX_ELEMENTS, syntheticFeeds, syntheticInputs } from '@switchyard/onnx';
import type { InputExample } from '@switchyard/domain';
import { decodePredictRequest, MAX_EXAMPLE_ELEMENTS, TensorDecodeError } from '@switchyard/tensor';
import { capReason, inferenceFailureReason } from './failure-reason';
import type { SandboxRun } from './runtime-sandbox';

/** What the smoke run needs of a loaded model: its signature, and running it on feeds. */
export interface RunnableModel {
  readonly signature: ModelSignature;
  run(feeds: Record<string, ort.Tensor>, what: string): Promise<SandboxRun>;
}

/**
 * How the smoke run of a loaded model ended: an input ran; or no synthetic input ran, which says
 * nothing certain about the model (its open dimensions may need sizes or values no guess has), so it
 * is served with warnings; or the version is certainly not servable (the uploader's own example does
 * not fit or fails, a limit was met, the runtime crashed).
 */
export type SmokeOutcome =
  | { kind: 'ran'; input: string; inferenceMs: number }
  | { kind: 'unchecked'; warnings: string[] }
  | { kind: 'failed'; reason: string; error: unknown };

const EXAMPLE = 'metadata.input_example';

/** Runs the uploader's example when there is one, otherwise the synthetic inputs in order until one runs. */
export function smokeRun(model: RunnableModel, example: InputExample | undefined): Promise<SmokeOutcome> {
  return example === undefined ? runSynthetic(model) : runExample(model, example);
}

async function runExample(model: RunnableModel, example: InputExample): Promise<SmokeOutcome> {
  let feeds: Record<string, ort.Tensor>;
  try {
    feeds = decodePredictRequest(example, model.signature, { maxElements: MAX_EXAMPLE_ELEMENTS });
  } catch (error) {
    if (!(error instanceof TensorDecodeError)) throw error;
    const problems = error.problems.map((problem) => `${EXAMPLE}.${problem.field}: ${problem.message}`).join('; ');
    return { kind: 'failed', reason: capReason(`${EXAMPLE} does not fit the model's signature: ${problems}`), error };
  }
  const what = `${EXAMPLE} (${Object.entries(feeds).map(([name, tensor]) => `${name} [${tensor.dims.join(', ')}]`).join(', ')})`;
  const run = await model.run(feeds, what);
  if (run.ok) return { kind: 'ran', input: 'input_example', inferenceMs: run.inferenceMs };
  return { kind: 'failed', reason: inferenceFailureReason(what, run.error), error: run.error };
}

async function runSynthetic(model: RunnableModel): Promise<SmokeOutcome> {
  const guesses = syntheticInputs(model.signature);
  const failures: Array<{ what: string; error: unknown }> = [];
  for (const guess of guesses) {
    const what = describeSyntheticInput(guess);
    const run = await model.run(syntheticFeeds(model.signature, guess), what);
    if (run.ok) return { kind: 'ran', input: what, inferenceMs: run.inferenceMs };
    if (run.fatal) return { kind: 'failed', reason: inferenceFailureReason(what, run.error), error: run.error };
    failures.push({ what, error: run.error });
  }
  return { kind: 'unchecked', warnings: uncheckedWarnings(model.signature, failures) };
}

/** What failed, from the smallest guess to the largest, and how to have the model checked after all. */
function uncheckedWarnings(signature: ModelSignature, failures: Array<{ what: string; error: unknown }>): string[] {
  const distinct = new Map<string, string[]>();
  for (const { what, error } of failures) {
    const message = inferenceFailure(error);
    distinct.set(message, [...(distinct.get(message) ?? []), what]);
  }
  const first = signature.inputs[0]?.name ?? 'x';
  return [
    capReason(
      `the model loads and its signature is recorded, but none of ${failures.length} synthetic inputs ran (each dynamic dimension at 1, 16 and 512, up to ${SYNTHETIC_MAX_ELEMENTS} values), so its inference was not checked`,
    ),
    ...[...distinct].map(([message, whats]) => capReason(`${whats.join('; ')}: ${message}`)),
    capReason(
      `to have it checked, and warmed by each gateway before it takes traffic, upload it with a real request as ${EXAMPLE}, in the form of a predict body: {"inputs": {"${first}": [...]}}`,
    ),
  ];
}
