import { inferenceFailure, messageOf, nodeFailure, runtimeMessage } from './runtime-messages';

/** Messages as onnxruntime-node 1.30 raises them (C++ locations and signatures included). */
const RESHAPE_FAILED =
  "Non-zero status code returned while running Reshape node. Name:'fold' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:91 onnxruntime::ReshapeHelper::ReshapeHelper(const onnxruntime::TensorShape&, onnxruntime::TensorShapeVector&, bool) input_shape_size == requested_shape_size was false. The input tensor cannot be reshaped to the requested shape. Input shape:{1,4}, requested shape:{3,5}\n";
const LOAD_FAILED =
  '/onnxruntime_src/onnxruntime/core/graph/model.cc:202 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&) Unsupported model IR version: 99, max supported IR version: 13\n';

describe('onnxruntime messages', () => {
  it('names the node that failed while running, and keeps only what the runtime said of it', () => {
    const expected = 'the Reshape node "fold" failed: The input tensor cannot be reshaped to the requested shape. Input shape:{1,4}, requested shape:{3,5}';
    expect(nodeFailure(new Error(RESHAPE_FAILED))).toBe(expected);
    expect(inferenceFailure(new Error(RESHAPE_FAILED))).toBe(expected);
    expect(nodeFailure(new Error(RESHAPE_FAILED.replace("Name:'fold'", "Name:''")))).toMatch(/^the Reshape node failed: The input tensor/);
  });

  it('is not a node failure when no node ran: a load error, or anything else', () => {
    expect(nodeFailure(new Error(LOAD_FAILED))).toBeNull();
    expect(nodeFailure(new Error('worker thread exited'))).toBeNull();
    expect(inferenceFailure(new Error(LOAD_FAILED))).toBe('Unsupported model IR version: 99, max supported IR version: 13');
  });

  it('removes source locations, C++ signatures and wrappers', () => {
    expect(runtimeMessage(new Error(`Exception during initialization: ${LOAD_FAILED}`))).toBe('Unsupported model IR version: 99, max supported IR version: 13');
  });

  it('reads a message from anything thrown, including errors of another realm', () => {
    expect(messageOf({ message: 'from a VM context' })).toBe('from a VM context');
    expect(messageOf('a string')).toBe('a string');
    expect(messageOf({ message: '' })).toBe('[object Object]');
  });
});
