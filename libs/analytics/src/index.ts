export * from './rollup-reader';
export * from './stats-report';
export * from './guardrail-judgement';
export * from './report-sections';
export * from './weight-timeline';
export * from './quality-report';
export * from './rollout-decision';
