import { buildMlp } from '@switchyard/onnx/testing';

/** The models the bench registers and the requests it sends them. */

export const LIGHT = 'light';
export const HEAVY = 'heavy';
export const LIGHT_LAYERS = [64, 256, 256, 10];
export const HEAVY_LAYERS = [512, 2048, 2048, 10];
/** The heavy model's batching in scenario 4; the in-process baseline times one run of its batch size. */
export const BATCHING = { max_batch_size: 32, max_delay_ms: 2 };

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

export interface BenchModels {
  /** Versions 1, 2 and 3 of the light model, with different seeds. */
  light: Uint8Array[];
  heavy: Uint8Array;
}

export function buildModels(): BenchModels {
  return {
    light: [1, 2, 3].map((seed) => buildMlp({ layers: LIGHT_LAYERS, seed, modelVersionTag: `light-v${seed}` })),
    heavy: buildMlp({ layers: HEAVY_LAYERS, seed: 11, modelVersionTag: 'heavy-v1' }),
  };
}
