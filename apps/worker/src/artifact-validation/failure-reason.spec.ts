import { DomainError } from '@switchyard/errors';
import { NonTensorValueError, UnsupportedDatatypeError } from '@switchyard/onnx';
import { capReason, failureReason, inferenceFailureReason, MAX_REASON_LENGTH, storeUnreadableReason } from './failure-reason';
import { ValidationLimitError } from './validation-limit-error';
import { ArtifactIntegrityError } from './verified-artifact';

/** Messages exactly as onnxruntime-node 1.30 raised them for the models built in libs/onnx. */
const ORT = {
  garbage: 'Failed to load model because protobuf parsing failed.',
  opset99:
    '/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::__cxx11::basic_string<char>, int>&, const onnxruntime::logging::Logger&, bool, const std::string&, int) ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions. Opset 99 is under development and support for this is limited. The operator schemas and or other functionality may change before next ONNX release and in this case ONNX Runtime will not guarantee backward compatibility. Current official support for domain ai.onnx is till opset 26.\n',
  irVersion:
    '/onnxruntime_src/onnxruntime/core/graph/model.cc:202 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&, const onnxruntime::IOnnxRuntimeOpSchemaRegistryList*, const onnxruntime::logging::Logger&, const onnxruntime::ModelOptions&) Unsupported model IR version: 99, max supported IR version: 13\n',
  customOp: 'Fatal error: com.example.custom:Frobnicate(-1) is not a registered function/op',
  unknownOp:
    'This is an invalid model. In Node, ("", Frobnicate, "", -1) : ("x": tensor(float),) -> ("y": tensor(float),) , Error No Op registered for Frobnicate with domain_version of 17',
  externalData:
    'Exception during initialization: /onnxruntime_src/onnxruntime/core/optimizer/initializer.cc:44 onnxruntime::Initializer::Initializer(const onnx::TensorProto&, const std::filesystem::__cxx11::path&) !model_path.empty() was false. model_path must not be empty. Ensure that a path is provided when the model is created or loaded.\n',
  escapingExternalData:
    'External data path validation failed for initializer: w. Error: External data path for model loaded from bytes escapes working directory. External data path escapes model directory. External data path: "../../etc/passwd" resolved path: "/etc/passwd" allowed directory: "."',
  reshape:
    "Non-zero status code returned while running Reshape node. Name:'' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:91 onnxruntime::ReshapeHelper::ReshapeHelper(const onnxruntime::TensorShape&, onnxruntime::TensorShapeVector&, bool) input_shape_size == requested_shape_size was false. The input tensor cannot be reshaped to the requested shape. Input shape:{1,4}, requested shape:{3,5}\n",
};

describe('failureReason', () => {
  it.each([
    ['garbage bytes', ORT.garbage, 'not an ONNX model: protobuf parsing failed'],
    ['an opset newer than the runtime', ORT.opset99, 'opset 99 is not supported by this runtime (it supports ai.onnx up to opset 26)'],
    ['an IR version newer than the runtime', ORT.irVersion, 'ONNX IR version 99 is not supported by this runtime (it supports up to IR version 13)'],
    ['an operator of a custom domain', ORT.customOp, 'uses operator com.example.custom:Frobnicate, which this runtime does not provide'],
    ['an unknown operator of the default domain', ORT.unknownOp, 'uses operator Frobnicate (ai.onnx opset 17), which this runtime does not provide'],
    [
      'external data',
      ORT.externalData,
      'the model keeps weights in external data files; upload a self-contained .onnx file (weights embedded)',
    ],
    [
      'external data escaping the folder',
      ORT.escapingExternalData,
      'the model keeps weights in external data files; upload a self-contained .onnx file (weights embedded)',
    ],
  ])('turns the load failure for %s into an actionable reason', (_case, message, reason) => {
    expect(failureReason('load', new Error(message))).toBe(reason);
  });

  it('passes on the message of a signature the Open Inference Protocol cannot carry', () => {
    const sequence = new NonTensorValueError('input', 'items');
    expect(failureReason('load', sequence)).toBe('input "items" is not a tensor; only tensor inputs and outputs are supported');
    const datatype = new UnsupportedDatatypeError('onnxruntime tensor type "int4" has no Open Inference Protocol datatype');
    expect(failureReason('load', datatype)).toBe(datatype.message);
  });

  it('strips the C++ location, signature and assertion from an unrecognised runtime message', () => {
    const message =
      '/onnxruntime_src/onnxruntime/core/session/inference_session.cc:1234 onnxruntime::common::Status onnxruntime::InferenceSession::Load(std::function<void (int)>) x > 0 was false. Something went wrong in the graph.\n';
    expect(failureReason('load', new Error(message))).toBe('the runtime could not load the model: Something went wrong in the graph.');
  });

  it('keeps text after a source location that is not a C++ signature', () => {
    const message = 'tensorprotoutils.cc:434 Absolute path (not allowed) in the graph';
    expect(failureReason('load', new Error(message))).toBe('the runtime could not load the model: Absolute path (not allowed) in the graph');
  });

  it('names the failing node of a smoke inference and keeps what the runtime said about it', () => {
    expect(inferenceFailureReason('metadata.input_example (x [1, 4])', new Error(ORT.reshape))).toBe(
      'metadata.input_example (x [1, 4]) failed at inference: the Reshape node failed: The input tensor cannot be reshaped to the requested shape. Input shape:{1,4}, requested shape:{3,5}',
    );
  });

  it('passes on the message of a limit met while running', () => {
    const limit = new ValidationLimitError('validation did not finish within 3000 ms (VALIDATION_TIMEOUT_MS): it was still running the model on x [1, 1] (zeros)');
    expect(inferenceFailureReason('x [1, 1] (zeros)', limit)).toBe(limit.message);
  });

  it('reads the message of an error from another realm, as the native binding may raise', () => {
    const foreign = { name: 'Error', message: ORT.garbage };
    expect(failureReason('load', foreign)).toBe('not an ONNX model: protobuf parsing failed');
    expect(inferenceFailureReason('metadata.input_example', 'a bare string')).toBe('metadata.input_example failed at inference: a bare string');
  });

  it('explains a missing or altered artifact', () => {
    const missing = new DomainError('ARTIFACT_NOT_FOUND', 'no artifact is stored at models/m/1/model.onnx');
    expect(failureReason('read', missing)).toBe('artifact missing from the store (no artifact is stored at models/m/1/model.onnx)');
    const altered = new ArtifactIntegrityError(`sha256 mismatch: expected ${'a'.repeat(64)}, stored bytes hash to ${'b'.repeat(64)}`);
    expect(failureReason('read', altered)).toBe(altered.message);
    expect(failureReason('read', new Error('not an artifact uri: s3://b/elsewhere'))).toBe(
      'the artifact could not be read: not an artifact uri: s3://b/elsewhere',
    );
  });

  it('says how many attempts the store was given', () => {
    expect(storeUnreadableReason(5, new Error('connect ECONNREFUSED 127.0.0.1:9'))).toBe(
      'the artifact store could not be read after 5 attempts: connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  it(`caps every reason at ${MAX_REASON_LENGTH} characters`, () => {
    const reason = inferenceFailureReason('metadata.input_example', new Error('x'.repeat(5000)));
    expect(reason).toHaveLength(MAX_REASON_LENGTH);
    expect(reason.endsWith('…')).toBe(true);
    expect(storeUnreadableReason(5, new Error('y'.repeat(5000)))).toHaveLength(MAX_REASON_LENGTH);
    expect(capReason('short')).toBe('short');
  });
});
