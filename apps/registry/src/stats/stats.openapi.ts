/** OpenAPI schema of the stats report (libs/analytics StatsReport). */
const interval = { type: 'object', nullable: true, properties: { low: { type: 'number' }, high: { type: 'number' } } };
const comparison = {
  type: 'object',
  nullable: true,
  properties: { difference: { type: 'number', description: 'challenger − champion' }, interval, p_value: { type: 'number' }, method: { type: 'string' } },
};

const sequential = {
  type: 'object',
  nullable: true,
  properties: {
    method: { type: 'string', enum: ['msprt'] },
    tau: { type: 'number' },
    alpha: { type: 'number' },
    likelihood_ratio: { type: 'number' },
    always_valid_p_value: { type: 'number' },
    decision: { type: 'string', enum: ['treatment_better', 'control_better', 'continue'] },
  },
};
const qualityMetric = { type: 'object', properties: { value: { type: 'number', nullable: true }, interval } };
const variantQuality = {
  type: 'object',
  nullable: true,
  description:
    'added: model quality on ground-truth labels (feedback with `label`); null until a label joined one of this variant\'s predictions. 95 % intervals: Student-t for MAE and log loss, the t-interval of the MSE through the square root for RMSE, Wilson for accuracy, Hanley–McNeil for AUC',
  properties: {
    task: { type: 'string', enum: ['regression', 'classification'] },
    labelled: { type: 'integer', description: 'predictions of this variant with a label joined' },
    metrics: {
      type: 'object',
      description: 'regression: mae, rmse; classification: accuracy, log_loss (when probabilities are served), auc (two classes)',
      properties: { mae: qualityMetric, rmse: qualityMetric, accuracy: qualityMetric, log_loss: qualityMetric, auc: qualityMetric },
    },
  },
};

export const STATS_REPORT_SCHEMA = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    task: { type: 'string', enum: ['regression', 'classification'] },
    deployment: {
      type: 'object',
      properties: { champion: { type: 'integer', nullable: true }, challenger: { type: 'integer', nullable: true }, challenger_percent: { type: 'number' } },
    },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          variant: { type: 'string', enum: ['champion', 'challenger', 'pinned'] },
          versions: { type: 'array', items: { type: 'integer' } },
          requests: { type: 'integer' },
          errors: { type: 'integer' },
          error_rate: { type: 'number', nullable: true },
          error_rate_interval: interval,
          latency_ms: { type: 'object', properties: { p50: { type: 'number', nullable: true }, p95: { type: 'number', nullable: true }, p99: { type: 'number', nullable: true } } },
          output: {
            type: 'object',
            description: 'regression: count, mean and std of the first output; classification: class_shares (label → share)',
            additionalProperties: true,
          },
          outcome: {
            type: 'object',
            description: 'regression: {metric: "mean", count, mean, std, interval}; classification: {metric: "accuracy", count, accuracy, interval} (95 %)',
            additionalProperties: true,
          },
          drift: {
            type: 'array',
            items: { type: 'object', properties: { input: { type: 'string' }, psi: { type: 'number' }, level: { type: 'string', enum: ['stable', 'moderate', 'significant'] } } },
          },
          quality: variantQuality,
        },
      },
    },
    drift_reference: {
      type: 'object',
      properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, requests: { type: 'integer' }, scope: { type: 'string' } },
    },
    comparison: {
      type: 'object',
      nullable: true,
      description:
        'null unless the current champion and challenger versions both received traffic while both were live in their roles (challenger share above 0); only that traffic is compared',
      properties: {
        control: { type: 'string' },
        treatment: { type: 'string' },
        metric: { type: 'string', enum: ['mean', 'accuracy'] },
        outcome: comparison,
        error_rate: comparison,
        sequential,
        quality: {
          type: 'object',
          nullable: true,
          description:
            'added: challenger against champion on the primary quality metric from ground-truth labels (MAE for a regression, by Welch\'s t on the absolute errors; accuracy for a classifier, pooled z with Newcombe\'s interval); null without labels on both sides. When present the verdict is decided on it. The sequential decision is oriented by `better`: treatment_better means a lower MAE or a higher accuracy',
          properties: {
            metric: { type: 'string', enum: ['mae', 'accuracy'] },
            better: { type: 'string', enum: ['lower', 'higher'] },
            difference: { type: 'number', description: 'challenger − champion' },
            interval,
            p_value: { type: 'number' },
            method: { type: 'string' },
            sequential,
          },
        },
        window: {
          type: 'object',
          description: 'added: the minutes compared — those when the current champion and challenger were both live; from/to bound them, gaps inside are left out',
          properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, minutes: { type: 'integer' } },
        },
        sample_ratio: {
          type: 'object',
          nullable: true,
          description:
            'chi-square of the observed split against the weights in force minute by minute (from the audit history), over the compared minutes in which nothing changed; null while there is none',
          properties: {
            chi_square: { type: 'number' },
            degrees_of_freedom: { type: 'integer' },
            p_value: { type: 'number' },
            mismatch: { type: 'boolean' },
            expected: { type: 'array', items: { type: 'number' } },
          },
        },
      },
    },
    shadow: {
      type: 'object',
      nullable: true,
      description: "*added* — the shadow against the champion over the copied requests (shadow_rollups, never counted as champion or challenger traffic); null when no shadow answered in the window",
      properties: {
        version: { type: 'integer', nullable: true },
        requests: { type: 'integer', description: 'shadow answers logged, each under the champion request id it copied' },
        errors: { type: 'integer' },
        error_rate: { type: 'number', nullable: true },
        latency_ms: { type: 'object', properties: { p50: { type: 'number', nullable: true }, p95: { type: 'number', nullable: true }, p99: { type: 'number', nullable: true } } },
        agreement: {
          type: 'object',
          nullable: true,
          description: "classification: share of copies where the shadow's class equals the champion's (95 % Wilson interval)",
          properties: { rate: { type: 'number', nullable: true }, interval, compared: { type: 'integer' } },
        },
        output_difference: {
          type: 'object',
          nullable: true,
          description: 'regression: shadow − champion on the first output',
          properties: {
            compared: { type: 'integer' },
            mean: { type: 'number', nullable: true },
            mean_absolute: { type: 'number', nullable: true },
            p50_absolute: { type: 'number', nullable: true },
            p95_absolute: { type: 'number', nullable: true },
          },
        },
        quality: {
          type: 'object',
          nullable: true,
          description: "from feedback on the copied requests: {task, labelled, metrics: {accuracy} | {mae, rmse}}, each {value, interval}",
          additionalProperties: true,
        },
      },
    },
    verdict: {
      type: 'object',
      properties: {
        decision: { type: 'string', enum: ['challenger_better', 'champion_better', 'continue', 'no_challenger', 'no_data', 'sample_ratio_mismatch'] },
        summary: { type: 'string' },
      },
    },
    series: {
      type: 'object',
      properties: {
        step_seconds: { type: 'integer' },
        points: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              at: { type: 'string', format: 'date-time' },
              variant: { type: 'string' },
              requests: { type: 'integer' },
              errors: { type: 'integer' },
              latency_p50_ms: { type: 'number', nullable: true },
              latency_p99_ms: { type: 'number', nullable: true },
              outcome_count: { type: 'integer' },
              outcome_metric: { type: 'number', nullable: true },
            },
          },
        },
      },
    },
  },
};
