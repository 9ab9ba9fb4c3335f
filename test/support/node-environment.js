/**
 * Jest runs each spec in its own V8 context, so a Float32Array made there is not an instance of the
 * Float32Array that onnxruntime-node's native binding creates for outputs, and onnxruntime-common's
 * `instanceof` check rejects every inference result ("A float32 tensor's data must be type of
 * function Float32Array()"). Handing the spec the host's typed-array constructors makes both sides
 * agree, as they do outside Jest. It is the environment of every test (jest.config.js).
 */
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
