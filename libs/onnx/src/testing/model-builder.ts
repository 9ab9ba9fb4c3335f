import { onnx } from 'onnx-proto';
import { mulberry32 } from './random';

/**
 * Builds small, real ONNX models in code so tests and fixtures never depend on checked-in binaries.
 * IR 8 / opset 17 is what onnxruntime 1.30 loads without complaint and what onnx-proto 8 can express.
 */

const IR_VERSION = 8;
const DEFAULT_OPSET = 17;
const DEFAULT_DOMAIN = '';
/** The dynamic batch dimension every builder declares, so callers can send any number of rows. */
const BATCH_DIM = 'batch';
/** Metadata key that carries `modelVersionTag`; see `buildMlp`. */
export const VERSION_TAG_METADATA_KEY = 'switchyard.version_tag';

const { DataType } = onnx.TensorProto;

type Dimension = number | string;

export interface MlpOptions {
  /** Layer widths from input to output, e.g. [64, 256, 256, 10]; at least two entries. */
  layers: number[];
  seed?: number;
  inputName?: string;
  outputName?: string;
  /**
   * Stored in the model's metadata so two artifacts with identical weights still differ byte for
   * byte (and therefore by digest), which is what a registry needs to tell uploads apart.
   */
  modelVersionTag?: string;
}

export interface AffineOptions {
  scale: number;
  bias: number;
  features: number;
}

/**
 * A multilayer perceptron: Gemm + Relu between hidden layers, a bare Gemm at the end. Weights are
 * drawn uniformly from ±1/sqrt(fan_in) by a seeded PRNG, so the same seed always yields the same
 * bytes and different seeds yield distinguishable outputs.
 */
export function buildMlp(options: MlpOptions): Uint8Array {
  const { layers, seed = 1, inputName = 'input', outputName = 'output' } = options;
  if (layers.length < 2 || layers.some((width) => !Number.isInteger(width) || width < 1)) {
    throw new Error(`MLP layers must be at least two positive integers, got [${layers.join(', ')}]`);
  }
  const random = mulberry32(seed);
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let previousOutput = inputName;

  for (let layer = 0; layer < layers.length - 1; layer++) {
    const fanIn = layers[layer];
    const fanOut = layers[layer + 1];
    const limit = 1 / Math.sqrt(fanIn);
    const uniform = () => (random() * 2 - 1) * limit;
    const weightName = `layer${layer}.weight`;
    const biasName = `layer${layer}.bias`;
    initializers.push(
      float32Initializer(weightName, [fanIn, fanOut], Float32Array.from({ length: fanIn * fanOut }, uniform)),
      float32Initializer(biasName, [fanOut], Float32Array.from({ length: fanOut }, uniform)),
    );

    const isLast = layer === layers.length - 2;
    const linearOutput = isLast ? outputName : `layer${layer}.linear`;
    nodes.push(node('Gemm', [previousOutput, weightName, biasName], [linearOutput]));
    if (isLast) break;
    const activation = `layer${layer}.relu`;
    nodes.push(node('Relu', [linearOutput], [activation]));
    previousOutput = activation;
  }

  const graph: onnx.IGraphProto = {
    name: 'mlp',
    node: nodes,
    initializer: initializers,
    input: [tensorValueInfo(inputName, DataType.FLOAT, [BATCH_DIM, layers[0]])],
    output: [tensorValueInfo(outputName, DataType.FLOAT, [BATCH_DIM, layers[layers.length - 1]])],
  };
  const { modelVersionTag } = options;
  return encodeModel(graph, {
    metadata: modelVersionTag === undefined ? {} : { [VERSION_TAG_METADATA_KEY]: modelVersionTag },
  });
}

/** y = x * scale + bias, elementwise; the bias makes it obvious which of two versions answered. */
export function buildAffine(options: AffineOptions): Uint8Array {
  const { scale, bias, features } = options;
  return encodeModel({
    name: 'affine',
    node: [node('Mul', ['x', 'scale'], ['scaled']), node('Add', ['scaled', 'bias'], ['y'])],
    initializer: [
      float32Initializer('scale', [], Float32Array.of(scale)),
      float32Initializer('bias', [], Float32Array.of(bias)),
    ],
    input: [tensorValueInfo('x', DataType.FLOAT, [BATCH_DIM, features])],
    output: [tensorValueInfo('y', DataType.FLOAT, [BATCH_DIM, features])],
  });
}

/**
 * One independent input → output path per element type, so tensor codecs can be exercised against
 * a real runtime: f*2 (FLOAT), i+1 (INT64), Not(b) (BOOL), and Identity for the FLOAT scalar `s`,
 * DOUBLE `d`, INT32 `n` and UINT8 `u`.
 */
export function buildMultiTypeModel(): Uint8Array {
  const paths = [
    typePath('f', DataType.FLOAT, [BATCH_DIM, 3], (input, output) => node('Mul', [input, 'two'], [output])),
    typePath('i', DataType.INT64, [BATCH_DIM], (input, output) => node('Add', [input, 'one'], [output])),
    typePath('b', DataType.BOOL, [BATCH_DIM], (input, output) => node('Not', [input], [output])),
    typePath('s', DataType.FLOAT, [], identity),
    typePath('d', DataType.DOUBLE, [BATCH_DIM, 2], identity),
    typePath('n', DataType.INT32, [BATCH_DIM], identity),
    typePath('u', DataType.UINT8, [BATCH_DIM], identity),
  ];
  return encodeModel({
    name: 'multi_type',
    node: paths.map((p) => p.node),
    initializer: [
      float32Initializer('two', [], Float32Array.of(2)),
      int64Initializer('one', [], BigInt64Array.of(1n)),
    ],
    input: paths.map((p) => p.input),
    output: paths.map((p) => p.output),
  });
}

/**
 * Identity for every Open Inference Protocol datatype: input `<datatype in lower case>` of shape
 * [batch, 2] comes back unchanged as `<input>_out`, so a wire format can be checked byte for byte
 * against a real runtime, FP16 and BYTES (ONNX STRING) included.
 */
export function buildEveryDatatypeModel(): Uint8Array {
  const types: Array<[string, onnx.TensorProto.DataType]> = [
    ['bool', DataType.BOOL],
    ['uint8', DataType.UINT8],
    ['uint16', DataType.UINT16],
    ['uint32', DataType.UINT32],
    ['uint64', DataType.UINT64],
    ['int8', DataType.INT8],
    ['int16', DataType.INT16],
    ['int32', DataType.INT32],
    ['int64', DataType.INT64],
    ['fp16', DataType.FLOAT16],
    ['fp32', DataType.FLOAT],
    ['fp64', DataType.DOUBLE],
    ['bytes', DataType.STRING],
  ];
  const paths = types.map(([name, type]) => typePath(name, type, [BATCH_DIM, 2], identity));
  return encodeModel({ name: 'every_datatype', node: paths.map((p) => p.node), input: paths.map((p) => p.input), output: paths.map((p) => p.output) });
}

/** An Identity model that declares `opset` for the default domain; used to provoke unsupported-opset failures. */
export function buildModelWithOpset(opset: number): Uint8Array {
  return encodeModel(identityGraph('opset_probe', [node('Identity', ['x'], ['y'])]), {
    opsetImports: [{ domain: DEFAULT_DOMAIN, version: opset }],
  });
}

/** A node from an operator domain no runtime ships, imported properly, so loading fails on the operator itself. */
export function buildModelWithCustomDomain(): Uint8Array {
  const domain = 'com.example.custom';
  return encodeModel(identityGraph('custom_domain', [{ ...node('Frobnicate', ['x'], ['y']), domain }]), {
    opsetImports: [
      { domain: DEFAULT_DOMAIN, version: DEFAULT_OPSET },
      { domain, version: 1 },
    ],
  });
}

/** `count` = SequenceLength(`items`): a valid model whose input is a sequence, not a tensor. */
export function buildModelWithSequenceInput(): Uint8Array {
  const floatVector: onnx.ITypeProto = { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'n' }] } } };
  return encodeModel({
    name: 'sequence_input',
    node: [node('SequenceLength', ['items'], ['count'])],
    input: [{ name: 'items', type: { sequenceType: { elemType: floatVector } } }],
    output: [tensorValueInfo('count', DataType.INT64, [])],
  });
}

/**
 * y = x + w where the single float `w` lives in an external file at `location`. Such a model is not
 * self-contained, and a relative location can point anywhere on the host, so a registry must refuse it.
 */
export function buildModelWithExternalData(location: string): Uint8Array {
  const externalWeight: onnx.ITensorProto = {
    name: 'w',
    dims: [1],
    dataType: DataType.FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(Float32Array.BYTES_PER_ELEMENT) },
    ],
  };
  const graph = identityGraph('external_data', [node('Add', ['x', 'w'], ['y'])]);
  return encodeModel({ ...graph, initializer: [externalWeight] });
}

/**
 * y = x + w where the initializer `w` declares `dims` (say 100000 × 100000 floats) but carries one float:
 * a "protobuf bomb" whose declared size is far beyond the bytes present, which a runtime that trusts
 * the dims would try to allocate.
 */
export function buildModelWithDeclaredSize(dims: number[]): Uint8Array {
  const weight: onnx.ITensorProto = { name: 'w', dims, dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.BYTES_PER_ELEMENT) };
  const graph = identityGraph('declared_size', [node('Add', ['x', 'w'], ['y'])]);
  return encodeModel({ ...graph, initializer: [weight] });
}

/**
 * y = ReduceSum(Expand(x, [elements, 1]), axis 0): valid, small on disk, and needs `elements` floats of
 * memory at its first inference. Its input feeds the Expand, so no runtime can fold it away at load.
 */
export function buildModelThatAllocates(elements: number): Uint8Array {
  const graph = identityGraph('allocates', [node('Expand', ['x', 'shape'], ['expanded']), node('ReduceSum', ['expanded', 'axes'], ['y'])]);
  return encodeModel({
    ...graph,
    initializer: [int64Initializer('shape', [2], BigInt64Array.from([BigInt(elements), 1n])), int64Initializer('axes', [1], BigInt64Array.from([0n]))],
  });
}

/**
 * y = x + 1, added `iterations` times by a Loop: valid, tiny, and as slow at its first inference as the
 * trip count says. The loop carries the input, so it cannot be folded away at load.
 */
export function buildModelThatLoops(iterations: number): Uint8Array {
  const scalar = (name: string, type: onnx.TensorProto.DataType): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: type, shape: { dim: [] } } } });
  const body: onnx.IGraphProto = {
    name: 'add_one',
    node: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['v_in', 'one'], ['v_out'])],
    initializer: [float32Initializer('one', [], Float32Array.of(1))],
    input: [scalar('i', DataType.INT64), scalar('cond_in', DataType.BOOL), tensorValueInfo('v_in', DataType.FLOAT, [BATCH_DIM, 1])],
    output: [scalar('cond_out', DataType.BOOL), tensorValueInfo('v_out', DataType.FLOAT, [BATCH_DIM, 1])],
  };
  const loop: onnx.INodeProto = { ...node('Loop', ['trips', 'keep_going', 'x'], ['y']), attribute: [{ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }] };
  const graph = identityGraph('loops', [loop]);
  return encodeModel({
    ...graph,
    initializer: [int64Initializer('trips', [], BigInt64Array.of(BigInt(iterations))), { name: 'keep_going', dims: [], dataType: DataType.BOOL, int32Data: [1] }],
  });
}

/** scikit-learn's operators (Scaler, LinearClassifier, ZipMap…) live in this domain; skl2onnx imports its version 1. */
export const ML_DOMAIN = 'ai.onnx.ml';
const ML_OPSET: onnx.IOperatorSetIdProto = { domain: ML_DOMAIN, version: 1 };

export interface LinearClassifierOptions {
  /** StandardScaler as skl2onnx exports it: y = (x - offset) * scale, with offset = mean_ and scale = 1 / scale_. */
  offset: number[];
  scale: number[];
  /**
   * One row per class (classes × features), as skl2onnx flattens `coef_`; for two classes skl2onnx
   * writes two rows, -coef_ and coef_ (and intercepts -b, b), so LOGISTIC gives [1 - p, p].
   */
  coefficients: number[][];
  intercepts: number[];
  /** Integer labels become classlabels_ints (and a Cast to INT64), strings classlabels_strings (and an Identity). */
  classLabels: number[] | string[];
  /** SOFTMAX for a multinomial LogisticRegression, LOGISTIC for one-vs-rest or two classes. */
  postTransform: 'SOFTMAX' | 'LOGISTIC';
  /** skl2onnx's `zipmap` option: true (its default) ends in a ZipMap, false leaves the probability tensor. */
  zipMap?: boolean;
}

/**
 * A StandardScaler + LogisticRegression pipeline as skl2onnx exports it with its defaults: Scaler →
 * LinearClassifier → Normalizer (L1; skl2onnx adds it when there are more than two classes) →
 * Cast (label) and ZipMap (probabilities), named `float_input`, `output_label`, `output_probability`.
 * With `zipMap: false` the probability tensor is the output itself, as `options={'zipmap': False}` gives.
 */
export function buildLinearClassifier(options: LinearClassifierOptions): Uint8Array {
  const { offset, scale, coefficients, intercepts, classLabels, postTransform, zipMap = true } = options;
  const features = offset.length;
  const classes = classLabels.length;
  if (scale.length !== features || coefficients.length !== classes || intercepts.length !== classes || coefficients.some((row) => row.length !== features)) {
    throw new Error(`a linear classifier over ${features} features and ${classes} classes needs ${features} scales, ${classes} intercepts and ${classes} × ${features} coefficients`);
  }
  const labelsAttribute = classLabelsAttribute(classLabels, 'classlabels_ints', 'classlabels_strings');
  const intLabels = labelsAttribute.name === 'classlabels_ints';
  const probabilities = zipMap ? 'probabilities' : 'output_probability';
  // skl2onnx normalizes a multi-class classifier's scores to sum to 1; two classes' already do.
  const normalize = classes > 2;
  const scores = normalize ? 'probability_tensor' : probabilities;
  const nodes: onnx.INodeProto[] = [
    mlNode('Scaler', ['float_input'], ['variable'], [floats('offset', offset), floats('scale', scale)]),
    mlNode('LinearClassifier', ['variable'], ['label', scores], [
      floats('coefficients', coefficients.flat()),
      floats('intercepts', intercepts),
      int('multi_class', postTransform === 'SOFTMAX' && classes > 2 ? 1 : 0),
      text('post_transform', postTransform),
      labelsAttribute,
    ]),
    ...(normalize ? [mlNode('Normalizer', [scores], [probabilities], [text('norm', 'L1')])] : []),
    intLabels ? { ...node('Cast', ['label'], ['output_label']), attribute: [int('to', DataType.INT64)] } : node('Identity', ['label'], ['output_label']),
    ...(zipMap ? [mlNode('ZipMap', [probabilities], ['output_probability'], [classLabelsAttribute(classLabels, 'classlabels_int64s', 'classlabels_strings')])] : []),
  ];
  const labelType = intLabels ? DataType.INT64 : DataType.STRING;
  return encodeModel(
    {
      name: 'pipeline_standard_scaler_logistic_regression',
      node: nodes,
      input: [tensorValueInfo('float_input', DataType.FLOAT, [BATCH_DIM, features])],
      output: [
        tensorValueInfo('output_label', labelType, [BATCH_DIM]),
        zipMap ? zipMapValueInfo('output_probability', labelType) : tensorValueInfo('output_probability', DataType.FLOAT, [BATCH_DIM, classes]),
      ],
    },
    { opsetImports: [{ domain: DEFAULT_DOMAIN, version: DEFAULT_OPSET }, ML_OPSET] },
  );
}

export interface TreeStumpClassifierOptions {
  /** The one split: `features[feature] <= threshold` goes to the first leaf, anything else to the second. */
  feature: number;
  threshold: number;
  features: number;
  /** Class probabilities at each leaf, in classLabels order. */
  leaves: [number[], number[]];
  classLabels: number[] | string[];
}

/**
 * A DecisionTreeClassifier of depth 1 as skl2onnx exports it: TreeEnsembleClassifier (ai.onnx.ml) →
 * label and probability tensor → Cast or Identity and ZipMap, the same outputs as buildLinearClassifier.
 */
export function buildTreeStumpClassifier(options: TreeStumpClassifierOptions): Uint8Array {
  const { feature, threshold, features, leaves, classLabels } = options;
  const classes = classLabels.length;
  const labelsAttribute = classLabelsAttribute(classLabels, 'classlabels_int64s', 'classlabels_strings');
  const intLabels = labelsAttribute.name === 'classlabels_int64s';
  // Node 0 splits; nodes 1 and 2 are leaves, each carrying one weight per class.
  const leafIds = leaves.flatMap((_, leaf) => new Array<number>(classes).fill(leaf + 1));
  const tree = mlNode('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], [
    ints('nodes_treeids', [0, 0, 0]),
    ints('nodes_nodeids', [0, 1, 2]),
    ints('nodes_featureids', [feature, 0, 0]),
    floats('nodes_values', [threshold, 0, 0]),
    { name: 'nodes_modes', type: onnx.AttributeProto.AttributeType.STRINGS, strings: ['BRANCH_LEQ', 'LEAF', 'LEAF'].map(utf8) },
    ints('nodes_truenodeids', [1, 0, 0]),
    ints('nodes_falsenodeids', [2, 0, 0]),
    ints('class_treeids', new Array<number>(leafIds.length).fill(0)),
    ints('class_nodeids', leafIds),
    ints('class_ids', leaves.flatMap(() => classLabels.map((_, index) => index))),
    floats('class_weights', leaves.flat()),
    text('post_transform', 'NONE'),
    labelsAttribute,
  ]);
  const labelType = intLabels ? DataType.INT64 : DataType.STRING;
  return encodeModel(
    {
      name: 'decision_tree_classifier',
      node: [
        tree,
        intLabels ? { ...node('Cast', ['label'], ['output_label']), attribute: [int('to', DataType.INT64)] } : node('Identity', ['label'], ['output_label']),
        mlNode('ZipMap', ['probabilities'], ['output_probability'], [labelsAttribute]),
      ],
      input: [tensorValueInfo('input', DataType.FLOAT, [BATCH_DIM, features])],
      output: [tensorValueInfo('output_label', labelType, [BATCH_DIM]), zipMapValueInfo('output_probability', labelType)],
    },
    { opsetImports: [{ domain: DEFAULT_DOMAIN, version: DEFAULT_OPSET }, ML_OPSET] },
  );
}

/**
 * y = x, plus `copies` = SequenceConstruct(x, x): a valid model with one output onnxruntime-node can
 * return and one (a sequence of tensors) that it cannot.
 */
export function buildModelWithSequenceOutput(): Uint8Array {
  const floatRows: onnx.ITypeProto = { tensorType: { elemType: DataType.FLOAT } };
  const graph = identityGraph('sequence_output', [node('Identity', ['x'], ['y']), node('SequenceConstruct', ['x', 'x'], ['copies'])]);
  return encodeModel({ ...graph, output: [...graph.output!, { name: 'copies', type: { sequenceType: { elemType: floatRows } } }] });
}

/**
 * y = Pad(x, mode reflect, `pads` on both ends of the last axis), x [batch, length]: reflection needs
 * more values than it pads, so no length up to `pads` runs (a batch of ones fails), as in audio models
 * that pad a signal before framing it.
 */
export function buildReflectPad(pads: number): Uint8Array {
  return encodeModel({
    name: 'reflect_pad',
    node: [{ ...node('Pad', ['x', 'pads'], ['y']), attribute: [stringAttribute('mode', 'reflect')] }],
    initializer: [int64Initializer('pads', [4], BigInt64Array.from([0n, BigInt(pads), 0n, BigInt(pads)]))],
    input: [tensorValueInfo('x', DataType.FLOAT, [BATCH_DIM, 'length'])],
    output: [tensorValueInfo('y', DataType.FLOAT, [BATCH_DIM, 'padded'])],
  });
}

/**
 * y = Conv(x, ones of width `kernel`), no padding: a moving sum over a variable length, x [batch, 1,
 * length] → y [batch, 1, length − kernel + 1]. A length below the kernel does not run.
 */
export function buildMovingSum(kernel: number): Uint8Array {
  return encodeModel({
    name: 'moving_sum',
    node: [node('Conv', ['x', 'w'], ['y'])],
    initializer: [float32Initializer('w', [1, 1, kernel], new Float32Array(kernel).fill(1))],
    input: [tensorValueInfo('x', DataType.FLOAT, [BATCH_DIM, 1, 'length'])],
    output: [tensorValueInfo('y', DataType.FLOAT, [BATCH_DIM, 1, 'windows'])],
  });
}

/**
 * y = ReduceSum(x, axis 1), x [batch, features] → y [batch, 1]: a model whose input can be large while
 * it allocates almost nothing, so what a large request costs the server is the request's own.
 */
export function buildRowSum(features: number): Uint8Array {
  return encodeModel({
    name: 'row_sum',
    node: [node('ReduceSum', ['x', 'axes'], ['y'])],
    initializer: [int64Initializer('axes', [1], BigInt64Array.of(1n))],
    input: [tensorValueInfo('x', DataType.FLOAT, [BATCH_DIM, features])],
    output: [tensorValueInfo('y', DataType.FLOAT, [BATCH_DIM, 1])],
  });
}

/** y = Reshape(x, [-1, columns]), x a vector of any length: only a multiple of `columns` reshapes. */
export function buildRowsOf(columns: number): Uint8Array {
  return encodeModel({
    name: 'rows_of',
    node: [node('Reshape', ['x', 'shape'], ['y'])],
    initializer: [int64Initializer('shape', [2], BigInt64Array.from([-1n, BigInt(columns)]))],
    input: [tensorValueInfo('x', DataType.FLOAT, ['length'])],
    output: [tensorValueInfo('y', DataType.FLOAT, ['rows', columns])],
  });
}

/** y = Reshape(x, [3, 5]), x [batch, 4]: loads, but no number of rows of 4 makes 15 values, so no input ever runs. */
export function buildReshapeThatNeverFits(): Uint8Array {
  return encodeModel({
    name: 'reshape_to_fixed',
    node: [node('Reshape', ['x', 'shape'], ['y'])],
    initializer: [int64Initializer('shape', [2], BigInt64Array.from([3n, 5n]))],
    input: [tensorValueInfo('x', DataType.FLOAT, [BATCH_DIM, 4])],
    output: [tensorValueInfo('y', DataType.FLOAT, [3, 5])],
  });
}

interface EncodeOptions {
  opsetImports?: onnx.IOperatorSetIdProto[];
  metadata?: Record<string, string>;
}

function encodeModel(graph: onnx.IGraphProto, options: EncodeOptions = {}): Uint8Array {
  const { opsetImports = [{ domain: DEFAULT_DOMAIN, version: DEFAULT_OPSET }], metadata = {} } = options;
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'switchyard',
    opsetImport: opsetImports,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph,
  };
  return onnx.ModelProto.encode(model).finish();
}

function identityGraph(name: string, nodes: onnx.INodeProto[]): onnx.IGraphProto {
  return {
    name,
    node: nodes,
    input: [tensorValueInfo('x', DataType.FLOAT, [BATCH_DIM, 1])],
    output: [tensorValueInfo('y', DataType.FLOAT, [BATCH_DIM, 1])],
  };
}

function typePath(
  name: string,
  elementType: onnx.TensorProto.DataType,
  dims: Dimension[],
  makeNode: (input: string, output: string) => onnx.INodeProto,
) {
  const outputName = `${name}_out`;
  return {
    input: tensorValueInfo(name, elementType, dims),
    output: tensorValueInfo(outputName, elementType, dims),
    node: makeNode(name, outputName),
  };
}

function identity(input: string, output: string): onnx.INodeProto {
  return node('Identity', [input], [output]);
}

function node(opType: string, inputs: string[], outputs: string[]): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: `${opType}:${outputs[0]}` };
}

function stringAttribute(name: string, value: string): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
}

function tensorValueInfo(name: string, elementType: onnx.TensorProto.DataType, dims: Dimension[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elementType,
        shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  };
}

function float32Initializer(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  const bytes = new Uint8Array(values.length * Float32Array.BYTES_PER_ELEMENT);
  const view = new DataView(bytes.buffer);
  // ONNX raw_data is little-endian regardless of the host; DataView makes that explicit.
  values.forEach((value, index) => view.setFloat32(index * Float32Array.BYTES_PER_ELEMENT, value, true));
  return { name, dims, dataType: DataType.FLOAT, rawData: bytes };
}

function int64Initializer(name: string, dims: number[], values: BigInt64Array): onnx.ITensorProto {
  const bytes = new Uint8Array(values.length * BigInt64Array.BYTES_PER_ELEMENT);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setBigInt64(index * BigInt64Array.BYTES_PER_ELEMENT, value, true));
  return { name, dims, dataType: DataType.INT64, rawData: bytes };
}

function mlNode(opType: string, inputs: string[], outputs: string[], attributes: onnx.IAttributeProto[]): onnx.INodeProto {
  return { ...node(opType, inputs, outputs), domain: ML_DOMAIN, attribute: attributes };
}

function floats(name: string, values: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: values };
}

function ints(name: string, values: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function text(name: string, value: string): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: utf8(value) };
}

function utf8(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** The same labels under the attribute name each operator gives integer labels (`…_ints` or `…_int64s`). */
function classLabelsAttribute(labels: number[] | string[], intName: string, stringName: string): onnx.IAttributeProto {
  return labels.every((label): label is number => typeof label === 'number')
    ? ints(intName, labels)
    : { name: stringName, type: onnx.AttributeProto.AttributeType.STRINGS, strings: (labels as string[]).map(utf8) };
}

/** What ZipMap returns: a sequence with one map per row, class label → probability. */
function zipMapValueInfo(name: string, keyType: onnx.TensorProto.DataType): onnx.IValueInfoProto {
  return { name, type: { sequenceType: { elemType: { mapType: { keyType, valueType: { tensorType: { elemType: DataType.FLOAT } } } } } } };
}
