export * from './program-path';
