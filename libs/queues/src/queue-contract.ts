import type { JobsOptions } from 'bullmq';

/**
 * The contract between the registry (producer) and the worker (consumer): queue and job names,
 * payloads, and deterministic job ids so a version is never validated twice at once.
 */
export const ARTIFACT_VALIDATION_QUEUE = 'artifact-validation';
export const VALIDATE_VERSION_JOB = 'validate-version';

export interface ValidateVersionPayload {
  versionId: string;
}

/** BullMQ forbids ':' in custom ids. One id per version: adding it again while queued is a no-op. */
export function validationJobId(versionId: string): string {
  return `validate-${versionId}`;
}

/** Transient store errors are retried with backoff; a model that cannot load is failed without retry. */
export const VALIDATION_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Pub/sub channel on which the registry announces `{model, revision}` after each deployment change. */
export function deploymentsChannel(redisPrefix: string): string {
  return `${redisPrefix}:deployments`;
}

export interface DeploymentChangedMessage {
  model: string;
  revision: number;
}

/**
 * Webhook deliveries: one job per (webhook, model) queue, which delivers that queue's pending events
 * in order, one at a time, and is retried with backoff from the first one a receiver did not take.
 * The deterministic id collapses the adds of many events into the job already waiting or retrying.
 */
export const WEBHOOK_DELIVERY_QUEUE = 'webhook-delivery';
export const DELIVER_WEBHOOK_JOB = 'deliver-webhook';

export interface DeliverWebhookPayload {
  webhookId: string;
  modelName: string;
}

export function webhookJobId(webhookId: string, modelName: string): string {
  return `deliver-${webhookId}-${modelName}`;
}

/** Retries are paced by the worker's backoff (WEBHOOK_RETRY_*); a delivery's own attempt count decides when it is given up. */
export const WEBHOOK_JOB_OPTIONS: JobsOptions = {
  attempts: 1_000_000,
  backoff: { type: 'webhook' },
  removeOnComplete: true,
  removeOnFail: true,
};
