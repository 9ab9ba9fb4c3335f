import * as ort from 'onnxruntime-node';
import type { ElementCodec, TensorData } from './element-codec';
import { writeNested } from './nested-array';
import { BinaryBodyError, readBinaryTensor } from './oip-binary';
import { elementCountOf } from './shape';
import type { ProblemList } from './tensor-decode-error';

export interface DecodeLimits {
  /** The most tensor elements one request may carry, all inputs together. */
  maxElements: number;
}

/** One input whose shape has been checked against the signature, ready to be written. */
export interface FeedPlan {
  name: string;
  codec: ElementCodec;
  /** The tensor's shape. */
  dims: number[];
  /** The JSON value holding the elements, and how it nests: `dims`, or [count] for flat data. */
  value: unknown;
  layout: readonly number[];
  /** Where `value` sits in the body, for problem paths. */
  field: string;
  /** The tensor's bytes instead, when it came as binary data (see oip-binary.ts); `value` is then unused. */
  bytes?: Uint8Array;
}

/**
 * Checks the element limit over all planned inputs before allocating anything (a ragged body can
 * claim a shape far larger than what it carries), then writes each input into a tensor of its own.
 * Problems go to `problems`; the feeds are only meaningful if none were added.
 */
export function writeFeeds(
  plans: readonly FeedPlan[],
  limits: DecodeLimits,
  limitField: string,
  problems: ProblemList,
): Record<string, ort.Tensor> {
  let total = 0;
  for (const plan of plans) total += elementCountOf(plan.dims);
  if (total > limits.maxElements) {
    problems.add(limitField, `${total} elements in all exceed the limit of ${limits.maxElements} per request`);
    return {};
  }
  const feeds: Record<string, ort.Tensor> = {};
  for (const plan of plans) {
    if (problems.full) break;
    const data = plan.bytes === undefined ? fromJson(plan, problems) : fromBytes(plan, problems);
    if (data !== undefined) feeds[plan.name] = new ort.Tensor(plan.codec.ortType, data, plan.dims);
  }
  return feeds;
}

function fromJson(plan: FeedPlan, problems: ProblemList): TensorData {
  const data = plan.codec.allocate(elementCountOf(plan.dims));
  writeNested(plan.value, plan.layout, plan.codec, data, plan.field, problems);
  return data;
}

function fromBytes(plan: FeedPlan, problems: ProblemList): TensorData | undefined {
  try {
    return readBinaryTensor(plan.codec.datatype, plan.bytes!, elementCountOf(plan.dims), plan.field);
  } catch (error) {
    if (!(error instanceof BinaryBodyError)) throw error;
    problems.add(error.field, error.message);
    return undefined;
  }
}
