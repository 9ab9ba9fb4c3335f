import { onnx } from 'onnx-proto';
import { decodeModelProto } from '@switchyard/onnx';

/**
 * Operator domains onnxruntime-node ships kernels for. A node from any other domain (unless the model
 * defines it as a local function) cannot run here.
 */
const RUNTIME_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'ai.onnx.preview.training', 'com.microsoft', 'com.microsoft.nchwc', 'com.microsoft.experimental', 'com.ms.internal.nhwc']);

/** Bytes per element of each fixed-size ONNX element type (strings carry their own bytes). */
const ELEMENT_BYTES: Record<number, number> = {
  [onnx.TensorProto.DataType.FLOAT]: 4,
  [onnx.TensorProto.DataType.UINT8]: 1,
  [onnx.TensorProto.DataType.INT8]: 1,
  [onnx.TensorProto.DataType.UINT16]: 2,
  [onnx.TensorProto.DataType.INT16]: 2,
  [onnx.TensorProto.DataType.INT32]: 4,
  [onnx.TensorProto.DataType.INT64]: 8,
  [onnx.TensorProto.DataType.BOOL]: 1,
  [onnx.TensorProto.DataType.FLOAT16]: 2,
  [onnx.TensorProto.DataType.DOUBLE]: 8,
  [onnx.TensorProto.DataType.UINT32]: 4,
  [onnx.TensorProto.DataType.UINT64]: 8,
  [onnx.TensorProto.DataType.COMPLEX64]: 8,
  [onnx.TensorProto.DataType.COMPLEX128]: 16,
  [onnx.TensorProto.DataType.BFLOAT16]: 2,
};

export type Inspection = { ok: true } | { ok: false; reason: string };

const quote = (text: string) => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);

/** How many elements a tensor's typed fields (or raw bytes) really carry. */
function elementsPresent(tensor: onnx.ITensorProto): number {
  if (tensor.rawData && tensor.rawData.length > 0) return Math.floor(tensor.rawData.length / (ELEMENT_BYTES[tensor.dataType ?? 0] ?? 1));
  const fields = [tensor.floatData, tensor.int32Data, tensor.int64Data, tensor.doubleData, tensor.uint64Data, tensor.stringData];
  const count = Math.max(0, ...fields.map((f) => f?.length ?? 0));
  // Complex numbers take two floats (or doubles) per element; float16, bool and small ints pack one per int32.
  const complex = tensor.dataType === onnx.TensorProto.DataType.COMPLEX64 || tensor.dataType === onnx.TensorProto.DataType.COMPLEX128;
  return complex ? Math.floor(count / 2) : count;
}

/** Why a tensor cannot be trusted, or undefined. */
function tensorProblem(tensor: onnx.ITensorProto, where: string): string | undefined {
  const name = quote(tensor.name ?? '');
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (tensor.externalData?.length ?? 0) > 0) {
    const location = tensor.externalData?.find((entry) => entry.key === 'location')?.value ?? '(none given)';
    return `the model keeps weights in external data files (tensor ${name} in ${where} points at ${quote(location)}); upload a self-contained .onnx file (weights embedded)`;
  }
  const dims = (tensor.dims ?? []).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return `tensor ${name} in ${where} declares an invalid shape [${dims.join(', ')}]`;
  const declared = dims.reduce((product, d) => product * d, 1);
  const present = elementsPresent(tensor);
  if (declared !== present) {
    return `tensor ${name} in ${where} declares ${declared} elements ([${dims.join(', ')}]) but carries ${present}: a corrupt or crafted file`;
  }
  return undefined;
}

function graphProblem(graph: onnx.IGraphProto, where: string, domains: Set<string>): string | undefined {
  for (const tensor of graph.initializer ?? []) {
    const problem = tensorProblem(tensor, where);
    if (problem) return problem;
  }
  for (const sparse of graph.sparseInitializer ?? []) {
    for (const part of [sparse.values, sparse.indices]) {
      if (part?.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (part?.externalData?.length ?? 0) > 0) return tensorProblem(part!, where);
    }
  }
  return nodesProblem(graph.node ?? [], where, domains);
}

function nodesProblem(nodes: onnx.INodeProto[], where: string, domains: Set<string>): string | undefined {
  for (const node of nodes) {
    const domain = node.domain ?? '';
    if (!domains.has(domain)) return `uses operator ${domain}:${node.opType}, which this runtime does not provide`;
    for (const attribute of node.attribute ?? []) {
      const at = `attribute ${quote(attribute.name ?? '')} of node ${quote(node.name || node.opType || '')} in ${where}`;
      for (const tensor of [attribute.t, ...(attribute.tensors ?? [])]) {
        const problem = tensor ? tensorProblem(tensor, at) : undefined;
        if (problem) return problem;
      }
      for (const subgraph of [attribute.g, ...(attribute.graphs ?? [])]) {
        const problem = subgraph ? graphProblem(subgraph, `a subgraph of ${at}`, domains) : undefined;
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

/**
 * Reads an upload with onnx-proto before any byte reaches onnxruntime, and refuses what must never be
 * loaded: files that are not ONNX, truncated or crafted lengths, tensors whose declared size is not
 * the data they carry (a "protobuf bomb" asks the runtime to allocate what the file does not hold),
 * weights in external files (a location such as ../../etc/passwd would read the host), and operators
 * from domains this runtime does not ship.
 */
export function inspectModel(bytes: Uint8Array): Inspection {
  let model: onnx.ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/index out of range/.test(message)) {
      return { ok: false, reason: `not an ONNX model: a length declared in the file runs past its end (${bytes.length} bytes); the file is truncated or crafted` };
    }
    return { ok: false, reason: `not an ONNX model: protobuf parsing failed (${message})` };
  }
  if (!model.graph || !model.irVersion) return { ok: false, reason: 'not an ONNX model: no graph or IR version' };
  const domains = new Set([...RUNTIME_DOMAINS, ...(model.functions ?? []).map((f) => f.domain ?? '')]);
  const problem =
    graphProblem(model.graph, 'the graph', domains) ??
    (model.functions ?? []).map((f) => nodesProblem(f.node ?? [], `function ${quote(f.name ?? '')}`, domains)).find(Boolean);
  return problem ? { ok: false, reason: problem } : { ok: true };
}
