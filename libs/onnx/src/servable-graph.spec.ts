import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { buildLinearClassifier, buildMlp, buildModelWithSequenceOutput, buildTreeStumpClassifier, type LinearClassifierOptions } from './testing';
import { servableGraph, withClassLabels } from './servable-graph';
import { signatureOfSession } from './signature';

/** A StandardScaler + multinomial LogisticRegression over 2 features and 3 classes, as skl2onnx writes it. */
const IRIS_LIKE: LinearClassifierOptions = {
  offset: [5.8, 3.0],
  scale: [1 / 0.8, 1 / 0.4],
  coefficients: [
    [-1.2, 0.9],
    [0.3, -0.6],
    [0.9, -0.3],
  ],
  intercepts: [0.2, 0.5, -0.7],
  classLabels: [0, 1, 2],
  postTransform: 'SOFTMAX',
};
const ROWS = [
  [5.1, 3.5],
  [6.4, 2.9],
  [7.7, 2.6],
  [5.8, 3.0],
];

/** What the pipeline computes, in float64, from its parameters: softmax(((x - offset) * scale) · Wᵀ + b). */
function expectedProbabilities({ offset, scale, coefficients, intercepts, postTransform }: LinearClassifierOptions, rows: number[][]): number[][] {
  return rows.map((row) => {
    const scaled = row.map((value, j) => (value - offset[j]) * scale[j]);
    const scores = coefficients.map((weights, k) => weights.reduce((sum, w, j) => sum + w * scaled[j], intercepts[k]));
    const transformed = postTransform === 'SOFTMAX' ? scores.map((s) => Math.exp(s)) : scores.map((s) => 1 / (1 + Math.exp(-s)));
    const total = transformed.reduce((a, b) => a + b, 0);
    return transformed.map((value) => value / total);
  });
}

const argmax = (values: number[]) => values.indexOf(Math.max(...values));

async function run(bytes: Uint8Array, rows: number[][], inputName = 'float_input') {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    const outputs = await session.run({ [inputName]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]) });
    return { signature: signatureOfSession(session), outputs };
  } finally {
    await session.release();
  }
}

function rowsOf(tensor: ort.Tensor): number[][] {
  const [count, width] = tensor.dims;
  const data = Array.from(tensor.data as Float32Array);
  return Array.from({ length: count }, (_, i) => data.slice(i * width, (i + 1) * width));
}

describe('servableGraph', () => {
  it('cannot be run by onnxruntime-node as exported: the ZipMap output is a sequence of maps', async () => {
    await expect(run(buildLinearClassifier(IRIS_LIKE), ROWS)).rejects.toThrow(/Non tensor type/);
  });

  it('serves a ZipMap classifier: the label as it is, the probabilities as the tensor that fed the ZipMap, under the same name', async () => {
    const artifact = buildLinearClassifier(IRIS_LIKE);
    const untouched = Buffer.from(artifact);
    const servable = servableGraph(artifact);

    expect(Buffer.from(artifact).equals(untouched)).toBe(true);
    expect(servable.classLabels).toEqual({ output_probability: [0, 1, 2] });
    expect(servable.warnings).toEqual([]);
    expect(servable.changes).toEqual([expect.stringMatching(/^output "output_probability" is the FP32 \[N, 3\] probability tensor that feeds the model's ZipMap .*class_labels\[i\] \(0, 1, 2\)$/)]);

    const { signature, outputs } = await run(servable.bytes, ROWS);
    expect(signature.outputs).toEqual([
      { name: 'output_label', datatype: 'INT64', shape: [-1] },
      { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
    ]);
    const expected = expectedProbabilities(IRIS_LIKE, ROWS);
    const probabilities = rowsOf(outputs.output_probability);
    probabilities.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - expected[i][k])).toBeLessThan(1e-6)));
    expect(Array.from(outputs.output_label.data as BigInt64Array, Number)).toEqual(expected.map(argmax));
    // The four rows do not all fall in one class, so the labels above say something.
    expect(new Set(expected.map(argmax)).size).toBeGreaterThan(1);
  });

  it('derives the same graph skl2onnx writes with zipmap=False', async () => {
    const derived = await run(servableGraph(buildLinearClassifier(IRIS_LIKE)).bytes, ROWS);
    const withoutZipMap = await run(buildLinearClassifier({ ...IRIS_LIKE, zipMap: false }), ROWS);
    expect(derived.signature).toEqual(withoutZipMap.signature);
    expect(rowsOf(derived.outputs.output_probability)).toEqual(rowsOf(withoutZipMap.outputs.output_probability));
  });

  it('reads string class labels, for a binary classifier exported with LOGISTIC', async () => {
    const binary: LinearClassifierOptions = {
      offset: [0, 0],
      scale: [1, 1],
      coefficients: [
        [-0.8, -0.4],
        [0.8, 0.4],
      ],
      intercepts: [0.1, -0.1],
      classLabels: ['benign', 'malignant'],
      postTransform: 'LOGISTIC',
    };
    const servable = servableGraph(buildLinearClassifier(binary));
    expect(servable.classLabels).toEqual({ output_probability: ['benign', 'malignant'] });
    const rows = [
      [2, 1],
      [-2, -1],
    ];
    const { signature, outputs } = await run(servable.bytes, rows);
    expect(signature.outputs.map(({ name, datatype }) => [name, datatype])).toEqual([
      ['output_label', 'BYTES'],
      ['output_probability', 'FP32'],
    ]);
    const expected = expectedProbabilities(binary, rows);
    rowsOf(outputs.output_probability).forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - expected[i][k])).toBeLessThan(1e-6)));
    expect(outputs.output_label.data).toEqual(['malignant', 'benign']);
  });

  it('serves a tree ensemble of ai.onnx.ml that ends in a ZipMap', async () => {
    const servable = servableGraph(
      buildTreeStumpClassifier({ feature: 1, threshold: 0.5, features: 2, leaves: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], classLabels: ['low', 'mid', 'high'] }),
    );
    expect(servable.classLabels).toEqual({ output_probability: ['low', 'mid', 'high'] });
    const { outputs } = await run(servable.bytes, [
      [1, 2],
      [3, 0],
    ], 'input');
    expect(outputs.output_label.data).toEqual(['high', 'low']);
    expect(rowsOf(outputs.output_probability).map((row) => row.map((p) => Number(p.toFixed(6))))).toEqual([
      [0.1, 0.3, 0.6],
      [0.7, 0.2, 0.1],
    ]);
  });

  it('leaves out an output that is not a tensor and not a ZipMap, saying how to export without it', async () => {
    const servable = servableGraph(buildModelWithSequenceOutput());
    expect(servable.classLabels).toEqual({});
    expect(servable.changes).toEqual([]);
    expect(servable.warnings).toEqual([expect.stringContaining('output "copies" (a sequence of tensors) cannot be returned by onnxruntime-node, so the version serves its other outputs only')]);
    expect(servable.warnings[0]).toContain('"zipmap": False');
    const { signature, outputs } = await run(servable.bytes, [[1.5]], 'x');
    expect(signature.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [-1, 1] }]);
    expect(Array.from(outputs.y.data as Float32Array)).toEqual([1.5]);
  });

  it('returns the very bytes it was given when every output is a tensor', () => {
    const artifact = Buffer.from(buildMlp({ layers: [4, 3] }));
    expect(servableGraph(artifact)).toEqual({ bytes: artifact, classLabels: {}, changes: [], warnings: [] });
    expect(servableGraph(artifact).bytes).toBe(artifact);
  });

  it('changes nothing when no tensor output would remain, so loading reports the model as it is', () => {
    const onlySequence = onnx.ModelProto.decode(buildModelWithSequenceOutput());
    onlySequence.graph!.output = onlySequence.graph!.output!.filter((output) => output.name === 'copies');
    const bytes = Buffer.from(onnx.ModelProto.encode(onlySequence).finish());
    expect(servableGraph(bytes)).toEqual({ bytes, classLabels: {}, changes: [], warnings: [] });
  });

  it('hands bytes that are not ONNX back untouched, for the runtime to refuse', () => {
    const junk = Buffer.from('not a model at all');
    expect(servableGraph(junk).bytes).toBe(junk);
  });
});

describe('withClassLabels', () => {
  it('names the class labels on the derived outputs only', () => {
    const signature = {
      inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'output_label', datatype: 'INT64', shape: [-1] },
        { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
      ],
    };
    expect(withClassLabels(signature, { classLabels: { output_probability: [0, 1, 2] } })).toEqual({
      inputs: signature.inputs,
      outputs: [
        { name: 'output_label', datatype: 'INT64', shape: [-1] },
        { name: 'output_probability', datatype: 'FP32', shape: [-1, 3], class_labels: [0, 1, 2] },
      ],
    });
  });
});
