import type * as ort from 'onnxruntime-node';
import { type ModelSignature, syntheticFeeds, syntheticInputs } from '@switchyard/onnx';
import type { InputExample } from '@switchyard/domain';
import { decodePredictRequest, MAX_EXAMPLE_ELEMENTS } from '@switchyard/tensor';

/** The uploader's example did not run on this gateway, so the version must not take traffic here. */
export class WarmUpError extends Error {
  constructor(version: number, cause: unknown) {
    super(`version ${version}: its input_example did not run: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'WarmUpError';
  }
}

/**
 * Runs a version once before it takes traffic, as Triton's model warm-up does, so its first request
 * does not pay for the runtime's first-run allocations: on the uploader's input example when there is
 * one (a failure keeps the version out of traffic: validation ran the same example), otherwise on the
 * first synthetic input that runs, the same ones validation tries. Returns the feeds that ran, to
 * time the version by; null when no synthetic input ran (a version validated ready with warnings),
 * which is served unwarmed.
 */
export async function warmUp(
  session: ort.InferenceSession,
  signature: ModelSignature,
  version: number,
  example: InputExample | null | undefined,
): Promise<Record<string, ort.Tensor> | null> {
  if (example) {
    try {
      const feeds = decodePredictRequest(example, signature, { maxElements: MAX_EXAMPLE_ELEMENTS });
      await session.run(feeds);
      return feeds;
    } catch (error) {
      throw new WarmUpError(version, error);
    }
  }
  for (const guess of syntheticInputs(signature)) {
    const feeds = syntheticFeeds(signature, guess);
    try {
      await session.run(feeds);
      return feeds;
    } catch {
      // A guess that does not fit says nothing about the model (validation found the same); try the next.
    }
  }
  return null;
}
