import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  VERSION_TAG_METADATA_KEY,
  buildAffine,
  buildEveryDatatypeModel,
  buildLinearClassifier,
  buildMlp,
  buildModelWithCustomDomain,
  buildModelWithExternalData,
  buildModelWithOpset,
  buildModelWithSequenceInput,
  buildMultiTypeModel,
  buildRowSum,
  ML_DOMAIN,
} from './model-builder';

const load = (bytes: Uint8Array) => ort.InferenceSession.create(Buffer.from(bytes));

/** protobufjs types every nested message as optional; check the ones these tests rely on once, here. */
function decodeGraph(bytes: Uint8Array): onnx.GraphProto {
  const { graph } = onnx.ModelProto.decode(bytes);
  if (!(graph instanceof onnx.GraphProto)) throw new Error('model has no graph');
  return graph;
}

function initializer(graph: onnx.GraphProto, name: string): onnx.TensorProto {
  const tensor = graph.initializer.find((candidate) => candidate.name === name);
  if (!(tensor instanceof onnx.TensorProto)) throw new Error(`no initializer named ${name}`);
  return tensor;
}

/** Reads a float32 initializer back from its little-endian raw_data, as the ONNX spec defines it. */
function initializerValues(graph: onnx.GraphProto, name: string): { dims: number[]; values: number[] } {
  const { rawData, dims } = initializer(graph, name);
  const view = new DataView(rawData.buffer, rawData.byteOffset, rawData.byteLength);
  const values = Array.from({ length: rawData.byteLength / 4 }, (_, index) => view.getFloat32(index * 4, true));
  return { dims: dims.map(Number), values };
}

async function runMlp(bytes: Uint8Array, rows: number[][]): Promise<Float32Array> {
  const session = await load(bytes);
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
  const { output } = await session.run({ input });
  await session.release();
  return output.data as Float32Array;
}

describe('buildMlp', () => {
  const layers = [64, 256, 256, 10];

  it('declares IR 8, opset 17 and Gemm + Relu between hidden layers only', () => {
    const bytes = buildMlp({ layers });
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map(({ domain, version }) => [domain, Number(version)])).toEqual([['', 17]]);
    const graph = decodeGraph(bytes);
    expect(graph.node.map((node) => node.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    expect(graph.input[0].type?.tensorType?.shape?.dim?.[0].dimParam).toBe('batch');
  });

  it('runs a batch in onnxruntime with [batch, last layer] output of modest magnitude', async () => {
    const rows = [new Array(64).fill(0.5), new Array(64).fill(-1)];
    const output = await runMlp(buildMlp({ layers }), rows);
    expect(output).toHaveLength(2 * 10);
    expect(output.every((value) => Number.isFinite(value) && Math.abs(value) < 5)).toBe(true);
    expect(output.some((value) => value !== 0)).toBe(true);
  });

  it('keeps weights within ±1/sqrt(fan_in)', () => {
    const { dims, values } = initializerValues(decodeGraph(buildMlp({ layers: [64, 256, 10] })), 'layer1.weight');
    expect(dims).toEqual([256, 10]);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(256));
  });

  it('computes relu(x·W0 + b0)·W1 + b1 from its own initializers', async () => {
    const bytes = buildMlp({ layers: [3, 4, 2], seed: 7 });
    const graph = decodeGraph(bytes);
    const [w0, b0, w1, b1] = ['layer0.weight', 'layer0.bias', 'layer1.weight', 'layer1.bias'].map(
      (name) => initializerValues(graph, name).values,
    );
    const x = [0.3, -1.2, 2];
    const hidden = [0, 1, 2, 3].map((j) => Math.max(0, b0[j] + x.reduce((sum, xi, i) => sum + xi * w0[i * 4 + j], 0)));
    const expected = [0, 1].map((k) => b1[k] + hidden.reduce((sum, hj, j) => sum + hj * w1[j * 2 + k], 0));

    const output = await runMlp(bytes, [x]);
    expect(output[0]).toBeCloseTo(expected[0], 5);
    expect(output[1]).toBeCloseTo(expected[1], 5);
  });

  it('is deterministic per seed and distinguishable across seeds', async () => {
    expect(buildMlp({ layers, seed: 3 })).toEqual(buildMlp({ layers, seed: 3 }));
    const rows = [new Array(64).fill(1)];
    const first = await runMlp(buildMlp({ layers, seed: 1 }), rows);
    const second = await runMlp(buildMlp({ layers, seed: 2 }), rows);
    expect(Array.from(first)).not.toEqual(Array.from(second));
  });

  it('uses the given input and output names', async () => {
    const session = await load(buildMlp({ layers: [2, 1], inputName: 'features', outputName: 'score' }));
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['score']);
    await session.release();
  });

  it('stores the version tag as metadata, changing the bytes but not the outputs', async () => {
    const untagged = buildMlp({ layers: [4, 2] });
    const tagged = buildMlp({ layers: [4, 2], modelVersionTag: 'v2' });
    expect(Buffer.from(tagged).equals(Buffer.from(untagged))).toBe(false);
    expect(onnx.ModelProto.decode(tagged).metadataProps).toEqual([
      expect.objectContaining({ key: VERSION_TAG_METADATA_KEY, value: 'v2' }),
    ]);
    const rows = [[1, 2, 3, 4]];
    expect(await runMlp(tagged, rows)).toEqual(await runMlp(untagged, rows));
  });

  it.each([[[10]], [[10, 0]], [[10, 2.5]]])('refuses layers %j', (badLayers) => {
    expect(() => buildMlp({ layers: badLayers })).toThrow(`[${badLayers.join(', ')}]`);
  });
});

describe('buildAffine', () => {
  it('computes x * scale + bias elementwise for every row', async () => {
    const session = await load(buildAffine({ scale: 2, bias: 1, features: 3 }));
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, -1, 0, 0.5), [2, 3]) });
    expect(y.dims).toEqual([2, 3]);
    expect(Array.from(y.data as Float32Array)).toEqual([3, 5, 7, -1, 1, 2]);
    await session.release();
  });
});

describe('buildMultiTypeModel', () => {
  it('runs one path per element type', async () => {
    const session = await load(buildMultiTypeModel());
    const results = await session.run({
      f: new ort.Tensor('float32', Float32Array.of(1, 2, 3), [1, 3]),
      i: new ort.Tensor('int64', BigInt64Array.of(5n, -1n), [2]),
      b: new ort.Tensor('bool', Uint8Array.of(1, 0), [2]),
      s: new ort.Tensor('float32', Float32Array.of(7), []),
      d: new ort.Tensor('float64', Float64Array.of(1.5, 2.5), [1, 2]),
      n: new ort.Tensor('int32', Int32Array.of(-3), [1]),
      u: new ort.Tensor('uint8', Uint8Array.of(255), [1]),
    });
    const summary = Object.fromEntries(
      Object.entries(results).map(([name, { type, dims, data }]) => [name, [type, dims, Array.from(data as ArrayLike<unknown>)]]),
    );
    expect(summary).toEqual({
      f_out: ['float32', [1, 3], [2, 4, 6]],
      i_out: ['int64', [2], [6n, 0n]],
      b_out: ['bool', [2], [0, 1]],
      s_out: ['float32', [], [7]],
      d_out: ['float64', [1, 2], [1.5, 2.5]],
      n_out: ['int32', [1], [-3]],
      u_out: ['uint8', [1], [255]],
    });
    await session.release();
  });
});

describe('buildModelWithOpset', () => {
  it('loads and runs at a released opset', async () => {
    const session = await load(buildModelWithOpset(17));
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(4), [1, 1]) });
    expect(Array.from(y.data as Float32Array)).toEqual([4]);
    await session.release();
  });

  it('is refused by onnxruntime at an unreleased opset', async () => {
    const attempt = load(buildModelWithOpset(99));
    await expect(attempt).rejects.toThrow('Opset 99 is under development and support for this is limited.');
    await expect(attempt).rejects.toThrow(/Current official support for domain ai\.onnx is till opset \d+\./);
  });
});

describe('buildModelWithCustomDomain', () => {
  it('imports the custom domain next to the default one', () => {
    const bytes = buildModelWithCustomDomain();
    expect(onnx.ModelProto.decode(bytes).opsetImport.map(({ domain }) => domain)).toEqual(['', 'com.example.custom']);
    expect(decodeGraph(bytes).node[0]).toMatchObject({ opType: 'Frobnicate', domain: 'com.example.custom' });
  });

  it('is refused by onnxruntime because the operator is unknown', async () => {
    await expect(load(buildModelWithCustomDomain())).rejects.toThrow(
      'Fatal error: com.example.custom:Frobnicate(-1) is not a registered function/op',
    );
  });
});

describe('buildModelWithSequenceInput', () => {
  it('loads, and onnxruntime reports its input as a non-tensor', async () => {
    const session = await load(buildModelWithSequenceInput());
    expect(session.inputMetadata).toEqual([{ name: 'items', isTensor: false }]);
    await session.release();
  });
});

describe('buildModelWithExternalData', () => {
  it('declares its initializer as external, which is detectable without a runtime', () => {
    const weight = initializer(decodeGraph(buildModelWithExternalData('weights.bin')), 'w');
    expect(weight.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    expect(weight.externalData).toContainEqual(expect.objectContaining({ key: 'location', value: 'weights.bin' }));
    expect(weight.rawData).toHaveLength(0);
  });

  describe('loaded from bytes', () => {
    it('is refused when the file does not exist relative to the working directory', async () => {
      await expect(load(buildModelWithExternalData('no-such-weights.bin'))).rejects.toThrow(
        'External data path validation failed for initializer: w. Error: External data path for model loaded from bytes escapes working directory. ',
      );
      await expect(load(buildModelWithExternalData('no-such-weights.bin'))).rejects.toThrow(
        `External data path does not exist: "${join(process.cwd(), 'no-such-weights.bin')}"`,
      );
    });

    it('is refused for an absolute location', async () => {
      await expect(load(buildModelWithExternalData('/etc/passwd'))).rejects.toThrow(
        'ValidateExternalDataPathFromDir Absolute path not allowed for external data location',
      );
    });

    it('is refused for a location outside the working directory', async () => {
      await expect(load(buildModelWithExternalData('../../../etc/passwd'))).rejects.toThrow(
        'External data path escapes model directory. External data path: "../../../etc/passwd" resolved path: "/etc/passwd" allowed directory: "."',
      );
    });

    it('is still refused when the file exists in the working directory, because the model has no path', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'switchyard-external-'));
      const originalDirectory = process.cwd();
      writeFileSync(join(directory, 'weights.bin'), Buffer.from(Float32Array.of(10).buffer));
      try {
        process.chdir(directory);
        // Fatal-only logging keeps onnxruntime from also printing this expected failure to stderr.
        const attempt = ort.InferenceSession.create(Buffer.from(buildModelWithExternalData('weights.bin')), {
          logSeverityLevel: 4,
        });
        await expect(attempt).rejects.toThrow(
          'model_path must not be empty. Ensure that a path is provided when the model is created or loaded.',
        );
      } finally {
        process.chdir(originalDirectory);
        rmSync(directory, { recursive: true });
      }
    });
  });

  it('reads the external file when opened by path, so artifacts must not be opened by path unchecked', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'switchyard-external-'));
    try {
      writeFileSync(join(directory, 'model.onnx'), buildModelWithExternalData('weights.bin'));
      writeFileSync(join(directory, 'weights.bin'), Buffer.from(Float32Array.of(10).buffer));
      const session = await ort.InferenceSession.create(join(directory, 'model.onnx'));
      const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1), [1, 1]) });
      expect(Array.from(y.data as Float32Array)).toEqual([11]);
      await session.release();
    } finally {
      rmSync(directory, { recursive: true });
    }
  });
});

describe('buildLinearClassifier', () => {
  const pipeline = (classLabels: number[] | string[], zipMap?: boolean) =>
    buildLinearClassifier({
      offset: [0, 0],
      scale: [1, 1],
      coefficients: classLabels.map((_, k) => [k, -k]),
      intercepts: classLabels.map(() => 0),
      classLabels,
      postTransform: classLabels.length > 2 ? 'SOFTMAX' : 'LOGISTIC',
      zipMap,
    });
  const nodes = (bytes: Uint8Array) => decodeGraph(bytes).node.map((node) => `${node.domain || 'ai.onnx'}:${node.opType}`);

  it("writes skl2onnx's nodes for a StandardScaler + LogisticRegression, importing ai.onnx.ml 1", () => {
    const bytes = pipeline([0, 1, 2]);
    expect(onnx.ModelProto.decode(bytes).opsetImport.map(({ domain, version }) => [domain, Number(version)])).toEqual([
      ['', 17],
      [ML_DOMAIN, 1],
    ]);
    expect(nodes(bytes)).toEqual(['ai.onnx.ml:Scaler', 'ai.onnx.ml:LinearClassifier', 'ai.onnx.ml:Normalizer', 'ai.onnx:Cast', 'ai.onnx.ml:ZipMap']);
    expect(decodeGraph(bytes).output.map((output) => output.name)).toEqual(['output_label', 'output_probability']);
    expect(decodeGraph(bytes).output[1].type?.sequenceType?.elemType?.mapType?.keyType).toBe(onnx.TensorProto.DataType.INT64);
  });

  it('normalizes only more than two classes, labels strings with an Identity, and leaves the ZipMap out with zipMap: false', () => {
    expect(nodes(pipeline(['no', 'yes']))).toEqual(['ai.onnx.ml:Scaler', 'ai.onnx.ml:LinearClassifier', 'ai.onnx:Identity', 'ai.onnx.ml:ZipMap']);
    const withoutZipMap = pipeline([0, 1, 2], false);
    expect(nodes(withoutZipMap)).not.toContain('ai.onnx.ml:ZipMap');
    expect(decodeGraph(withoutZipMap).output[1].type?.tensorType?.elemType).toBe(onnx.TensorProto.DataType.FLOAT);
  });

  it('refuses parameters whose sizes do not agree', () => {
    expect(() => buildLinearClassifier({ offset: [0], scale: [1, 1], coefficients: [[1]], intercepts: [0], classLabels: [0], postTransform: 'LOGISTIC' })).toThrow(/needs 1 scales/);
  });
});

describe('buildEveryDatatypeModel', () => {
  it('builds an identity per datatype that onnxruntime runs, FP16 and strings included', async () => {
    const session = await load(buildEveryDatatypeModel());
    const feeds: Record<string, ort.Tensor> = {
      bool: new ort.Tensor('bool', Uint8Array.of(1, 0), [1, 2]),
      uint8: new ort.Tensor('uint8', Uint8Array.of(1, 255), [1, 2]),
      uint16: new ort.Tensor('uint16', Uint16Array.of(1, 65535), [1, 2]),
      uint32: new ort.Tensor('uint32', Uint32Array.of(1, 4294967295), [1, 2]),
      uint64: new ort.Tensor('uint64', BigUint64Array.of(1n, 2n ** 64n - 1n), [1, 2]),
      int8: new ort.Tensor('int8', Int8Array.of(1, -128), [1, 2]),
      int16: new ort.Tensor('int16', Int16Array.of(1, -32768), [1, 2]),
      int32: new ort.Tensor('int32', Int32Array.of(1, -2), [1, 2]),
      int64: new ort.Tensor('int64', BigInt64Array.of(1n, -(2n ** 63n)), [1, 2]),
      fp16: new ort.Tensor('float16', Uint16Array.of(0x3c00, 0xc000), [1, 2]),
      fp32: new ort.Tensor('float32', Float32Array.of(1.5, -2), [1, 2]),
      fp64: new ort.Tensor('float64', Float64Array.of(1.5, -2), [1, 2]),
      bytes: new ort.Tensor('string', ['héllo', ''], [1, 2]),
    };
    const results = await session.run(feeds);
    for (const [name, tensor] of Object.entries(feeds)) {
      expect({ name, type: results[`${name}_out`].type, data: Array.from(results[`${name}_out`].data as ArrayLike<unknown>) }).toEqual({
        name,
        type: tensor.type,
        data: Array.from(tensor.data as ArrayLike<unknown>),
      });
    }
  });
});

describe('buildRowSum', () => {
  it('sums each row', async () => {
    const session = await load(buildRowSum(3));
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, -1, 0, 0.5), [2, 3]) });
    expect({ dims: y.dims, data: Array.from(y.data as Float32Array) }).toEqual({ dims: [2, 1], data: [6, -0.5] });
  });
});
