/** What a model's outputs mean, which decides the outcome metric: a mean, or accuracy. */
export type ModelTask = 'regression' | 'classification';
