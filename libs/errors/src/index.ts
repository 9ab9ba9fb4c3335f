export * from './domain-error';
export * from './problem-details';
export * from './problem-details.filter';
export * from './validation';
export * from './dependency-failure';
export * from './grpc-status';
