/**
 * Test-only helpers, an entry of its own so that the production index carries none of them: ONNX
 * models built in code (tests, the README tour's scripts/make-example-model, bench) and a seeded
 * random generator.
 */
export * from './model-builder';
export * from './random';
