import { onnx } from 'onnx-proto';
import { decodeModelProto } from './model-proto';
import type { ModelSignature } from './signature';

/** A class as a classifier's attributes name it: classlabels_int64s give numbers, classlabels_strings strings. */
export type ClassLabel = number | string;

export interface ServableGraph {
  /** What to load: the artifact's own bytes when nothing needed changing, otherwise the derived model. */
  bytes: Buffer;
  /** Outputs now served as the probability tensor that fed a ZipMap, each with its class labels in column order. */
  classLabels: Record<string, ClassLabel[]>;
  /** One sentence per derived output, for the uploader: what is served instead of what the artifact declares. */
  changes: string[];
  /** One sentence per output left out (onnxruntime-node cannot return it): what it is, and how to export the model without it. */
  warnings: string[];
}

const ML_DOMAIN = 'ai.onnx.ml';
/** Identity is in every opset; 13 is one onnxruntime supports, for a model that imported no default domain. */
const IDENTITY_OPSET = 13;
const HOW_TO_EXPORT =
  'to return what it holds, export it as a tensor output instead (for a scikit-learn classifier, skl2onnx\'s options={id(model): {"zipmap": False}} gives the probabilities as a tensor)';

/**
 * The graph onnxruntime-node can serve for a model whose outputs are not all tensors. onnxruntime-node
 * cannot return a sequence or a map ("Non tensor type is temporarily not supported"), though it runs
 * the tensor outputs beside it. scikit-learn classifiers exported by skl2onnx with its defaults end in
 * a ZipMap (ai.onnx.ml) that turns the [N, classes] probability tensor into one {label: probability}
 * map per row: each such ZipMap is replaced by an Identity, so the output keeps its name and carries
 * that tensor, and its class labels (the ZipMap's attributes) say what each column is — the order of
 * scikit-learn's `classes_`, which is what `predict_proba` returns. Any other output that is not a
 * tensor is left out, as long as one tensor output remains (otherwise nothing changes and loading
 * the model reports it).
 *
 * Pure: the artifact's bytes are never modified; a model that does not decode is returned as it is,
 * for the runtime to refuse with its own reason.
 */
export function servableGraph(bytes: Uint8Array): ServableGraph {
  const unchanged: ServableGraph = { bytes: asBuffer(bytes), classLabels: {}, changes: [], warnings: [] };
  let model: onnx.ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch {
    return unchanged;
  }
  const graph = model.graph;
  if (!(graph instanceof onnx.GraphProto)) return unchanged;
  const consumed = namesConsumed(graph);
  const plans = graph.output
    .filter((output) => output.type && !output.type.tensorType)
    .map((output) => {
      const name = output.name ?? '';
      const index = graph.node.findIndex((candidate) => candidate.output?.includes(name));
      const producer = index >= 0 ? graph.node[index] : undefined;
      const labels = producer && isZipMap(producer) && !consumed.has(name) ? zipMapLabels(producer) : undefined;
      return { output, name, index, producer, labels };
    });
  const omittedCount = plans.filter((plan) => !plan.labels).length;
  if (plans.length === 0 || omittedCount === graph.output.length) return unchanged;

  const result: ServableGraph = { bytes: unchanged.bytes, classLabels: {}, changes: [], warnings: [] };
  const omitted = new Set<string>();
  for (const { output, name, index, producer, labels } of plans) {
    if (!producer || !labels) {
      omitted.add(name);
      result.warnings.push(`output "${name}" (${kindOf(output.type!)}) cannot be returned by onnxruntime-node, so the version serves its other outputs only; ${HOW_TO_EXPORT}`);
      continue;
    }
    graph.node[index] = onnx.NodeProto.create({ name: `${producer.name || 'ZipMap'}:as_tensor`, opType: 'Identity', domain: '', input: [producer.input?.[0] ?? ''], output: [name] });
    graph.output[graph.output.indexOf(output)] = onnx.ValueInfoProto.create({ name, type: probabilityTensorType(labels.length) });
    result.classLabels[name] = labels;
    result.changes.push(
      `output "${name}" is the FP32 [N, ${labels.length}] probability tensor that feeds the model's ZipMap (a sequence of maps onnxruntime-node cannot return): column i is the probability of class_labels[i] (${preview(labels)})`,
    );
  }
  graph.output = graph.output.filter((output) => !omitted.has(output.name ?? ''));
  // A type recorded for the old output would contradict the new one.
  graph.valueInfo = graph.valueInfo.filter((info) => !((info.name ?? '') in result.classLabels));
  if (Object.keys(result.classLabels).length > 0 && !model.opsetImport.some((opset) => opset.domain === '' || opset.domain === 'ai.onnx')) {
    model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: '', version: IDENTITY_OPSET }));
  }
  return { ...result, bytes: asBuffer(onnx.ModelProto.encode(model).finish()) };
}

/** The signature with each ZipMap-derived output naming its class labels (`class_labels`), in column order. */
export function withClassLabels(signature: ModelSignature, servable: Pick<ServableGraph, 'classLabels'>): ModelSignature {
  return {
    inputs: signature.inputs,
    outputs: signature.outputs.map((output) => {
      const labels = servable.classLabels[output.name];
      return labels ? { ...output, class_labels: labels } : output;
    }),
  };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isZipMap(node: onnx.INodeProto): boolean {
  return node.opType === 'ZipMap' && node.domain === ML_DOMAIN && node.input?.length === 1 && node.output?.length === 1;
}

/** The ZipMap's keys, or undefined when it names none (then it is not one this can stand in for). */
function zipMapLabels(node: onnx.INodeProto): ClassLabel[] | undefined {
  const attribute = (name: string) => node.attribute?.find((candidate) => candidate.name === name);
  const int64s = attribute('classlabels_int64s')?.ints ?? [];
  if (int64s.length > 0) return int64s.map(labelOfInt64);
  const strings = attribute('classlabels_strings')?.strings ?? [];
  if (strings.length > 0) return strings.map((label) => new TextDecoder().decode(label));
  return undefined;
}

/** protobufjs reads int64 as a Long (or a number); a label beyond 2^53 stays exact as a decimal string. */
function labelOfInt64(value: number | { toString(): string }): ClassLabel {
  const exact = BigInt(value.toString());
  return exact >= BigInt(Number.MIN_SAFE_INTEGER) && exact <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(exact) : exact.toString();
}

/** Every value name any node reads, subgraphs included (they may read the outer graph's names). */
function namesConsumed(graph: onnx.IGraphProto, names = new Set<string>()): Set<string> {
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? []) names.add(input);
    for (const attribute of node.attribute ?? []) {
      for (const subgraph of [attribute.g, ...(attribute.graphs ?? [])]) if (subgraph) namesConsumed(subgraph, names);
    }
  }
  return names;
}

function probabilityTensorType(classes: number): onnx.ITypeProto {
  // The row count is whatever the request's is: an unnamed dynamic dimension.
  return { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{}, { dimValue: classes }] } } };
}

function kindOf(type: onnx.ITypeProto): string {
  if (type.sequenceType) {
    const element = type.sequenceType.elemType;
    return element?.mapType ? 'a sequence of maps' : element?.tensorType ? 'a sequence of tensors' : 'a sequence';
  }
  if (type.mapType) return 'a map';
  if (type.optionalType) return 'an optional value';
  if (type.sparseTensorType) return 'a sparse tensor';
  return 'not a tensor';
}

function preview(labels: ClassLabel[]): string {
  const shown = labels.slice(0, 10).map((label) => JSON.stringify(label));
  return `${shown.join(', ')}${labels.length > 10 ? `, … ${labels.length} in all` : ''}`;
}
