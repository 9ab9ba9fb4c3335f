/**
 * The domain's own words, shared by the apps, the contracts and the pure libs: plain types only, so
 * any lib may import them without pulling in Nest, TypeORM, Redis or onnxruntime.
 */
export * from './batching-config';
export * from './input-example';
export * from './model-task';
export * from './output-summary';
