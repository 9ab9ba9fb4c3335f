export * from './rollup-reader';
export * from './stats-report';
export * from './guardrail-judgement';
export * from './report-sections';
export * from './shadow-report';
export * from './shadow-rollup-reader';
