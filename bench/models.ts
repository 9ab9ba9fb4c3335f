import { buildMlp, buildRowSum } from '@switchyard/onnx/testing';

/** The models the bench registers and the requests it sends them. */

export const LIGHT = 'light';
export const HEAVY = 'heavy';
export const DEFAULT_LIGHT_FEATURES = 64;
/**
 * The light model's input width, 64 unless BENCH_LIGHT_FEATURES says otherwise. The prediction log
 * keeps one mean of an input that wide; a table of 2 to 32 columns, as most tabular models take, is
 * summarised per column (bench/README, "A table's column means, packed"): `BENCH_LIGHT_FEATURES=32`
 * measures that path.
 */
export const LIGHT_FEATURES = lightFeatures(process.env.BENCH_LIGHT_FEATURES);
export const LIGHT_LAYERS = [LIGHT_FEATURES, 256, 256, 10];
/** The setting as the bench scripts' usage tells it. */
export const LIGHT_FEATURES_USAGE = `BENCH_LIGHT_FEATURES=<n> in the environment sets the light model's input width (default ${DEFAULT_LIGHT_FEATURES}; a table of
32 columns or fewer is what the prediction log summarises per column).`;

function lightFeatures(setting: string | undefined): number {
  if (setting === undefined || setting === '') return DEFAULT_LIGHT_FEATURES;
  const features = Number(setting);
  if (!Number.isInteger(features) || features < 1 || features > 4096) {
    throw new Error(`BENCH_LIGHT_FEATURES must be a whole number of input features from 1 to 4096, not "${setting}"`);
  }
  return features;
}
export const HEAVY_LAYERS = [512, 2048, 2048, 10];
/** The heavy model's batching in scenario 4; the in-process baseline times one run of its batch size. */
export const BATCHING = { max_batch_size: 32, max_delay_ms: 2 };
/** The light model's batching in scenario 1d: Triton's dynamic batcher as `dynamic_batching { }` sets it, no delay. */
export const LIGHT_BATCHING = { max_batch_size: 16, max_delay_ms: 0 };

function features(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Number(((state / 2147483648) * 2 - 1).toFixed(4));
  });
}

export const LIGHT_ROW = features(LIGHT_LAYERS[0], 7);
export const HEAVY_ROW = features(HEAVY_LAYERS[0], 11);
export const LIGHT_PREDICT_BODY = JSON.stringify({ instances: [LIGHT_ROW] });
export const HEAVY_PREDICT_BODY = JSON.stringify({ instances: [HEAVY_ROW] });
export const LIGHT_OIP_BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, LIGHT_LAYERS[0]], datatype: 'FP32', data: LIGHT_ROW }] });
export const ROUTING_KEYS = 1000;

/**
 * The same light request under the binary tensor data extension (scenario 3b): the JSON header, then
 * the row's 256 bytes of little-endian float32, and every output asked for as binary.
 */
export function oipBinaryRequest(rows: number[][], inputName = 'input'): { body: Buffer; headers: Record<string, string> } {
  const values = rows.flat();
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: inputName, shape: [rows.length, rows[0].length], datatype: 'FP32', parameters: { binary_data_size: bytes.length } }],
      parameters: { binary_data_output: true },
    }),
  );
  return {
    body: Buffer.concat([header, bytes]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}
export const LIGHT_OIP_BINARY = oipBinaryRequest([LIGHT_ROW]);

/** Scenario 3c's model: rows of WIDE_FEATURES float32 summed, so a 16 MiB request costs the model nearly nothing. */
export const WIDE = 'wide';
export const WIDE_FEATURES = 65536;

export interface BenchModels {
  /** Versions 1, 2 and 3 of the light model, with different seeds. */
  light: Uint8Array[];
  heavy: Uint8Array;
  wide: Uint8Array;
}

export function buildModels(): BenchModels {
  return {
    light: [1, 2, 3].map((seed) => buildMlp({ layers: LIGHT_LAYERS, seed, modelVersionTag: `light-v${seed}` })),
    heavy: buildMlp({ layers: HEAVY_LAYERS, seed: 11, modelVersionTag: 'heavy-v1' }),
    wide: buildRowSum(WIDE_FEATURES),
  };
}
