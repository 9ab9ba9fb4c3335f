export * from './datatypes';
export * from './model-builder';
export * from './signature';
export * from './task';
export * from './session-options';
export * from './servable-graph';
