export * from './datatypes';
export * from './signature';
export * from './task';
export * from './session-options';
export * from './synthetic-inputs';
export * from './model-proto';
export * from './servable-graph';
export * from './runtime-messages';
