import {
  buildAffine,
  buildLinearClassifier,
  buildMlp,
  buildModelWithCustomDomain,
  buildModelWithDeclaredSize,
  buildModelWithExternalData,
  buildMultiTypeModel,
  buildTreeStumpClassifier,
  seededBytes,
} from '@switchyard/onnx/testing';
import { inspectModel } from './model-inspection';

describe('inspectModel', () => {
  it.each([
    ['an affine model', buildAffine({ scale: 2, bias: 1, features: 4 })],
    ['an MLP', buildMlp({ layers: [8, 16, 4], seed: 1 })],
    ['a model of several datatypes', buildMultiTypeModel()],
    [
      'a scikit-learn pipeline of ai.onnx.ml operators (Scaler, LinearClassifier, Normalizer, ZipMap)',
      buildLinearClassifier({ offset: [0, 0], scale: [1, 1], coefficients: [[1, 0], [0, 1], [1, 1]], intercepts: [0, 0, 0], classLabels: [0, 1, 2], postTransform: 'SOFTMAX' }),
    ],
    ['an ai.onnx.ml tree ensemble', buildTreeStumpClassifier({ feature: 0, threshold: 0, features: 1, leaves: [[1, 0], [0, 1]], classLabels: ['a', 'b'] })],
  ])('lets %s through', (_label, bytes) => {
    expect(inspectModel(bytes)).toEqual({ ok: true });
  });

  it('refuses weights in an external file, naming the location', () => {
    const inspection = inspectModel(buildModelWithExternalData('../../etc/passwd'));
    expect(inspection).toEqual({ ok: false, reason: expect.stringContaining('external data files') });
    expect(inspection.ok || inspection.reason).toContain('"../../etc/passwd"');
  });

  it('refuses an operator domain the runtime does not ship', () => {
    expect(inspectModel(buildModelWithCustomDomain())).toEqual({ ok: false, reason: 'uses operator com.example.custom:Frobnicate, which this runtime does not provide' });
  });

  it('refuses a tensor that declares far more than it carries', () => {
    expect(inspectModel(buildModelWithDeclaredSize([100_000, 100_000]))).toEqual({
      ok: false,
      reason: 'tensor "w" in the graph declares 10000000000 elements ([100000, 100000]) but carries 1: a corrupt or crafted file',
    });
    expect(inspectModel(buildModelWithDeclaredSize([1]))).toEqual({ ok: true });
  });

  it('refuses a file whose lengths run past its end', () => {
    const bytes = buildAffine({ scale: 2, bias: 1, features: 4 });
    expect(inspectModel(bytes.subarray(0, bytes.length - 7))).toEqual({ ok: false, reason: expect.stringMatching(/^not an ONNX model: /) });
  });

  it('refuses a string whose declared length runs past the end of a Buffer, as the artifact store gives files', () => {
    // Among these bytes is a string field (the model's domain) that declares 150 MB.
    const bytes = Buffer.from(seededBytes(4096, 1));
    expect(inspectModel(bytes)).toEqual({ ok: false, reason: expect.stringMatching(/^not an ONNX model: a length declared in the file runs past its end \(4096 bytes\)/) });
  });

  it.each([
    ['random bytes', seededBytes(4096, 1)],
    ['a text file', Buffer.from('name,score\nalice,1\n')],
    ['nothing', new Uint8Array(0)],
  ])('refuses %s as not ONNX', (_label, bytes) => {
    expect(inspectModel(bytes)).toEqual({ ok: false, reason: expect.stringMatching(/^not an ONNX model: /) });
  });
});
