import type { ModelSignature } from '@switchyard/onnx';
import type { BatchingConfig, InputExample, ModelTask } from '@switchyard/domain';

/** One version as a gateway needs it to load: where to fetch the bytes and how to check them. */
export interface LoadableVersionView {
  version: number;
  sha256: string;
  size_bytes: number;
  /** Registry path serving the bytes (the gateway fetches through the registry). */
  artifact_url: string;
  artifact_uri: string;
  signature: ModelSignature | null;
  /**
   * The uploader's example request (a /v1 predict body), which warms the version before it takes
   * traffic; null without one (and absent from a snapshot written before examples existed).
   */
  input_example?: InputExample | null;
}

/** An item of the registry's GET /v1/deployments: what every gateway replica serves. */
export interface DeploymentView {
  model: string;
  revision: number;
  salt: string;
  challenger_percent: number;
  champion: LoadableVersionView;
  challenger: LoadableVersionView | null;
  /** Receives copies of `shadow_percent` of the champion's requests; absent from snapshots written before shadows. */
  shadow?: LoadableVersionView | null;
  shadow_percent?: number;
  batching: BatchingConfig | null;
  /** As set on the model, or inferred from the champion's outputs. */
  task: ModelTask;
  labels: string[] | null;
  updated_at: string;
}

/** What a gateway replica reports about one model, kept in the Redis hash `<prefix>:rollout:<model>`. */
export interface ReplicaRolloutStatus {
  replica: string;
  /** The revision the replica serves now (0 before its first successful load). */
  serving_revision: number;
  /** The newest revision it has seen; differs from serving_revision while loading or after a failure. */
  target_revision: number;
  state: 'loading' | 'serving' | 'failed';
  reason: string | null;
  champion: number | null;
  challenger: number | null;
  /** The shadow it loaded; null while a deployment's shadow could not be loaded (it serves without it). */
  shadow?: number | null;
  reported_at: string;
}

export function rolloutKey(redisPrefix: string, model: string): string {
  return `${redisPrefix}:rollout:${model}`;
}
