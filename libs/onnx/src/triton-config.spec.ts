import type { ModelSignature } from './signature';
import { tritonDataType, tritonModelConfig } from './triton-config';

const limits = { batching: null, maxElements: 1_000 };

describe('tritonModelConfig', () => {
  it('describes a model with a free first dimension everywhere as batching: dims without that axis', () => {
    const signature: ModelSignature = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1, 3, 4] },
        { name: 'text', datatype: 'BYTES', shape: [-1, -1] },
      ],
      outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }],
    };
    expect(tritonModelConfig('m', signature, limits)).toEqual({
      name: 'm',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      // 12 + 1 elements a row (a free inner dimension counted as 1) within 1,000.
      max_batch_size: 76,
      input: [
        { name: 'x', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: [3, 4] },
        { name: 'text', data_type: 'TYPE_STRING', format: 'FORMAT_NONE', dims: [-1] },
      ],
      output: [{ name: 'y', data_type: 'TYPE_INT64', dims: [] }],
    });
  });

  it('takes max_batch_size and the queue delay from the model’s batching when it has one', () => {
    const signature: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }] };
    expect(tritonModelConfig('m', signature, { batching: { max_batch_size: 32, max_delay_ms: 2 }, maxElements: 1_000 })).toMatchObject({
      max_batch_size: 32,
      dynamic_batching: { max_queue_delay_microseconds: 2_000 },
    });
  });

  it('describes any other model with max_batch_size 0 and its shapes whole', () => {
    const fixed: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP16', shape: [1, 3] }], outputs: [{ name: 'y', datatype: 'FP16', shape: [-1] }] };
    const config = tritonModelConfig('m', fixed, { batching: { max_batch_size: 8, max_delay_ms: 1 }, maxElements: 1_000 });
    expect(config).toMatchObject({ max_batch_size: 0, input: [{ dims: [1, 3], data_type: 'TYPE_FP16' }], output: [{ dims: [-1] }] });
    expect(config.dynamic_batching).toBeUndefined();
    const scalarOut: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }], outputs: [{ name: 's', datatype: 'FP32', shape: [] }] };
    expect(tritonModelConfig('m', scalarOut, limits).max_batch_size).toBe(0);
  });

  it('names every protocol datatype as Triton does', () => {
    expect(['BOOL', 'UINT8', 'INT64', 'FP64', 'BYTES'].map(tritonDataType)).toEqual(['TYPE_BOOL', 'TYPE_UINT8', 'TYPE_INT64', 'TYPE_FP64', 'TYPE_STRING']);
  });
});
