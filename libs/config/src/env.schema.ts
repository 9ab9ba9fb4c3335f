import { availableParallelism } from 'node:os';
import { z } from 'zod';

const GIB = 1024 ** 3;

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a TCP port number' })
    .int('expected an integer port')
    .min(0, 'expected a port between 0 and 65535')
    .max(65535, 'expected a port between 0 and 65535')
    .default(fallback);

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const urlWithScheme = (schemes: string[], fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `expected a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}` },
    );

/**
 * Every environment variable any Switchyard app reads. Each capability owns a slice; the apps
 * validate the whole contract at boot so a typo fails fast with the variable's name.
 */
export const databaseEnv = z.object({
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/switchyard'),
});

export const redisEnv = z.object({
  REDIS_URL: urlWithScheme(['redis:', 'rediss:'], 'redis://127.0.0.1:6379/0'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$/, 'expected letters, digits, ":", "_", "." or "-" (at most 64)')
    .default('switchyard'),
});

export const storageEnv = z.object({
  ARTIFACT_STORE_URL: z
    .string()
    .default('file://./data/artifacts')
    .refine((v) => /^file:\/\/.+/.test(v) || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,62}(\/.*)?$/.test(v), {
      message: 'expected file://<path> or s3://<bucket>/<prefix>',
    }),
  S3_ENDPOINT: z.url({ error: 'expected an http(s) URL' }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: booleanFlag(false),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
});

/** An API key as the registry issues them (libs/auth/src/api-key.ts). */
const API_KEY_FORMAT = /^sy_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/;
const apiKey = () =>
  z
    .string()
    .regex(API_KEY_FORMAT, 'expected an API key sy_<12 characters a-z2-7>_<43 base64url characters>; `npm run keys:generate` prints a fresh one')
    .optional();

export const authEnv = z.object({
  /** API keys on every /v1 and /v2 route but health, metrics and docs; false only for local experiments. */
  AUTH_ENABLED: booleanFlag(true),
  /** An admin key the registry creates at start if no key has its id (a revoked one stays revoked). */
  SWITCHYARD_BOOTSTRAP_ADMIN_KEY: apiKey(),
});

export const httpEnv = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const registryEnv = z.object({
  REGISTRY_PORT: port(3000),
  MAX_ARTIFACT_BYTES: z.coerce
    .number({ error: 'expected a number of bytes' })
    .int('expected an integer number of bytes')
    .positive('expected a positive number of bytes')
    .default(2 * GIB),
  /** An upload whose client sends no byte for this long, before its closing boundary, is answered 400 and dropped. */
  UPLOAD_IDLE_TIMEOUT_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected an integer number of milliseconds')
    .positive('expected a positive number of milliseconds')
    .default(30_000),
});

export const gatewayEnv = z.object({
  GATEWAY_PORT: port(8080),
  /** The gRPC Open Inference Protocol (inference.GRPCInferenceService); 0 turns it off. */
  GATEWAY_GRPC_PORT: port(8081),
  /** TLS for gRPC: a PEM certificate chain and its PEM private key, both or neither (plaintext). */
  GATEWAY_GRPC_TLS_CERT: z.string().min(1).optional(),
  GATEWAY_GRPC_TLS_KEY: z.string().min(1).optional(),
  /** Mutual TLS for gRPC: a PEM file of the authorities whose client certificates are accepted; needs the two above. */
  GATEWAY_GRPC_TLS_CLIENT_CA: z.string().min(1).optional(),
  REGISTRY_URL: urlWithScheme(['http:', 'https:'], 'http://127.0.0.1:3000'),
  /** Largest predict/infer body; a 4-D image tensor in JSON is easily 1 MiB. */
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number({ error: 'expected a number of bytes' })
    .int('expected an integer number of bytes')
    .positive('expected a positive number of bytes')
    .default(8 * 1024 * 1024),
  /** Most tensor elements one request may carry, across all its inputs. */
  GATEWAY_MAX_ELEMENTS: z.coerce
    .number({ error: 'expected a positive integer' })
    .int('expected a positive integer')
    .positive('expected a positive integer')
    .default(4 * 1024 * 1024),
  /** Fallback poll of GET /v1/deployments, for when a Redis notice is missed. */
  DEPLOYMENT_POLL_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected an integer number of milliseconds')
    .positive('expected a positive number of milliseconds')
    .default(5_000),
  /** Artifacts cached by sha256 (and the last deployments seen), so a restart needs neither S3 nor the registry. */
  GATEWAY_CACHE_DIR: z.string().min(1).default('./data/gateway-cache'),
  /** A version whose warm-up inference (batch 1) takes longer than this runs in worker threads. */
  GATEWAY_OFFLOAD_ABOVE_MS: z.coerce.number({ error: 'expected a number of milliseconds' }).nonnegative('expected a number of milliseconds ≥ 0').default(0.1),
  /** Worker threads for heavy models; 0 runs every model on the event loop. */
  GATEWAY_INFERENCE_THREADS: z.coerce.number({ error: 'expected an integer ≥ 0' }).int('expected an integer ≥ 0').nonnegative('expected an integer ≥ 0').default(1),
  /** The key the gateway sends to the registry (GET /v1/deployments, artifacts): a viewer key is enough. */
  REGISTRY_API_KEY: apiKey(),
  /** The gateway's poll of the mirrored API keys (a Redis notice applies changes sooner). */
  KEY_REFRESH_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected an integer number of milliseconds')
    .positive('expected a positive number of milliseconds')
    .default(2_000),
  /** Shadow copies waiting to run, per model; a copy that finds the queue full is dropped and counted. */
  GATEWAY_SHADOW_QUEUE_SIZE: z.coerce.number({ error: 'expected an integer ≥ 1' }).int('expected an integer ≥ 1').positive('expected an integer ≥ 1').default(256),
  /** Shadow copies running at once, per model. */
  GATEWAY_SHADOW_CONCURRENCY: z.coerce.number({ error: 'expected an integer from 1 to 64' }).int('expected an integer from 1 to 64').min(1, 'expected an integer from 1 to 64').max(64, 'expected an integer from 1 to 64').default(2),
  /**
   * Gateway processes sharing GATEWAY_PORT (node:cluster): by default one per CPU this process may use.
   * 1 serves in this process with no cluster primary (as in a Kubernetes pod, which scales by replicas).
   */
  GATEWAY_WORKERS: z.coerce
    .number({ error: 'expected an integer from 1 to 64' })
    .int('expected an integer from 1 to 64')
    .min(1, 'expected an integer from 1 to 64')
    .max(64, 'expected an integer from 1 to 64')
    .default(() => availableParallelism()),
  /** Name this replica reports in rollout status; defaults to host:port:pid (each of several workers: <id or host:port>-w<k>). */
  GATEWAY_REPLICA_ID: z.string().regex(/^[\w.:@-]{1,100}$/, 'expected letters, digits, ".", ":", "@", "_" or "-"').optional(),
});

const milliseconds = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected an integer number of milliseconds')
    .positive('expected a positive number of milliseconds')
    .default(fallback);

export const workerEnv = z.object({
  WORKER_PORT: port(3001),
  /** How long a validation job's lock lasts without renewal: a killed worker's job is retaken after it. */
  VALIDATION_LOCK_MS: milliseconds(30_000),
  VALIDATION_CONCURRENCY: z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(1),
  /** How often the worker looks for versions left pending, and how old one must be to count as stale. */
  PENDING_SWEEP_INTERVAL_MS: milliseconds(30_000),
  PENDING_STALE_AFTER_MS: milliseconds(120_000),
  /** Validation starts a version may use up (crashes, timeouts, stalls) before it is failed instead of retried. */
  VALIDATION_MAX_ATTEMPTS: z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(3),
  /** A model that takes longer than this to load and smoke-run (its example, or synthetic inputs up to the first that runs) fails validation. */
  VALIDATION_TIMEOUT_MS: milliseconds(60_000),
  /**
   * Memory the validation child process may allocate (RLIMIT_DATA): onnxruntime and Node need about
   * 100 MiB, and a model about three times its file size while it loads.
   */
  VALIDATION_MEMORY_LIMIT_MB: z.coerce.number({ error: 'expected a whole number of MiB' }).int('expected a whole number of MiB').min(128, 'expected at least 128 MiB: Node and onnxruntime alone need about 100').default(2048),
});

/** The prediction log (gateway → Redis → worker → PostgreSQL), feedback, statistics and guardrails. */
export const predictionLogEnv = z.object({
  /** Off: the gateway records nothing (statistics and feedback then have nothing to work with). */
  PREDICTION_LOG_ENABLED: booleanFlag(true),
  /** Events a gateway holds before dropping (and counting) new ones, e.g. while Redis is down. */
  PREDICTION_LOG_BUFFER_EVENTS: z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(50_000),
  /** Longest an event waits in a gateway's buffer before it is flushed to Redis. */
  PREDICTION_LOG_FLUSH_MS: milliseconds(200),
  /** Share of predictions logged with their full request and response (0–1). */
  PREDICTION_LOG_PAYLOAD_SAMPLE_RATE: z.coerce
    .number({ error: 'expected a number from 0 to 1' })
    .min(0, 'expected a number from 0 to 1')
    .max(1, 'expected a number from 0 to 1')
    .default(0.01),
  /** Events and their webhook delivery logs older than this are deleted (one still being delivered is kept). */
  EVENTS_RETENTION_DAYS: z.coerce.number({ error: 'expected a number of days' }).positive('expected a positive number of days').default(90),
  /** Raw prediction rows older than this are deleted; the per-minute rollups are kept. */
  PREDICTION_LOG_RETENTION_DAYS: z.coerce.number({ error: 'expected a number of days' }).positive('expected a positive number of days').default(30),
  /** How long after a prediction its outcome is accepted by POST /v1/feedback. */
  FEEDBACK_WINDOW_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int('expected an integer number of seconds')
    .min(60, 'expected at least 60 seconds')
    .default(86_400),
  /** Log entries a worker took and did not finish (it died mid-batch) are taken over after this long. */
  PREDICTION_LOG_CLAIM_IDLE_MS: milliseconds(30_000),
  /** How often the worker evaluates the models' guardrails. */
  GUARDRAIL_INTERVAL_MS: milliseconds(10_000),
  /** How often the worker evaluates the active rollout plans and moves them on. */
  ROLLOUT_INTERVAL_MS: milliseconds(15_000),
});

/** Events and webhooks: the registry checks webhook URLs, the worker delivers. */
export const webhooksEnv = z.object({
  /** Allow webhook URLs on loopback, private and link-local addresses (off: refused, so a webhook cannot probe the internal network). */
  WEBHOOK_ALLOW_PRIVATE: booleanFlag(false),
  /** How long a receiver has to answer one delivery. */
  WEBHOOK_TIMEOUT_MS: milliseconds(10_000),
  /** The first retry's delay; each next one doubles, up to WEBHOOK_RETRY_MAX_MS. */
  WEBHOOK_RETRY_BASE_MS: milliseconds(1_000),
  WEBHOOK_RETRY_MAX_MS: milliseconds(300_000),
  /** Attempts of one delivery before it is marked failed and the next event for that webhook and model goes. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(30),
  /** How often the worker looks for deliveries whose job was lost (Redis down when the event was written). */
  WEBHOOK_SWEEP_INTERVAL_MS: milliseconds(10_000),
  /** (webhook, model) queues delivered at once; each one is delivered in order, one event at a time. */
  WEBHOOK_CONCURRENCY: z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(4),
});

export const envSchema = databaseEnv
  .extend(redisEnv.shape)
  .extend(storageEnv.shape)
  .extend(authEnv.shape)
  .extend(httpEnv.shape)
  .extend(registryEnv.shape)
  .extend(gatewayEnv.shape)
  .extend(workerEnv.shape)
  .extend(predictionLogEnv.shape)
  .extend(webhooksEnv.shape);

export type Env = z.infer<typeof envSchema>;
