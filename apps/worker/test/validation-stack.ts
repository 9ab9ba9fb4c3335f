import { Queue } from 'bullmq';
import { Client } from 'pg';
import { ARTIFACT_VALIDATION_QUEUE, type ValidateVersionPayload, validationJobId } from '@switchyard/queues';
import { eventually } from '../../../test/support/artifacts';
import { call, uploadForm } from '../../../test/support/client';
import { type RunningApp, startRegistry, startWorker } from '../../../test/support/http-app';
import { isolatedRedisPrefix } from '../../../test/support/isolation';
import { uniqueSuffix } from '../../../test/support/test-env';

/** The sweep of stale pending versions, kept out of tests that are not about it. */
export const NO_SWEEP = { PENDING_SWEEP_INTERVAL_MS: '3600000' };

export interface UploadedVersion {
  model: string;
  version: number;
  /** The version's row id, from which its job id derives. */
  id: string;
  jobId: string;
  sha256: string;
}

/**
 * A registry and (when started) workers sharing one database, Redis prefix and artifact store, plus
 * the test's own handle on the validation queue and the database.
 */
export class ValidationStack {
  private readonly workers: RunningApp[] = [];

  private constructor(
    readonly env: Record<string, string>,
    readonly registry: RunningApp,
    readonly queue: Queue<ValidateVersionPayload>,
    readonly db: Client,
  ) {}

  static async start(databaseUrl: string, storeEnv: Record<string, string>): Promise<ValidationStack> {
    const env = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), ...storeEnv };
    const registry = await startRegistry(env);
    const queue = new Queue<ValidateVersionPayload>(ARTIFACT_VALIDATION_QUEUE, {
      connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null },
      prefix: env.REDIS_PREFIX,
    });
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    return new ValidationStack(env, registry, queue, db);
  }

  /** An in-process worker app on this stack; closed with the stack unless closed before. */
  async startWorker(overrides: Record<string, string> = {}): Promise<RunningApp> {
    const worker = await startWorker({ ...this.env, ...NO_SWEEP, ...overrides });
    this.workers.push(worker);
    return worker;
  }

  async stopWorker(worker: RunningApp): Promise<void> {
    this.workers.splice(this.workers.indexOf(worker), 1);
    await worker.close();
  }

  async createModel(): Promise<string> {
    const name = `w-${uniqueSuffix()}`;
    const created = await call(`${this.registry.url}/v1/models`, { method: 'POST', json: { name } });
    if (created.status !== 201) throw new Error(`could not create model: ${JSON.stringify(created.body)}`);
    return name;
  }

  /** Uploads through the registry, which stores the bytes, commits a pending row and enqueues its job. */
  async upload(artifact: Uint8Array, model?: string, metadata?: Record<string, unknown>): Promise<UploadedVersion> {
    const name = model ?? (await this.createModel());
    const body = uploadForm(artifact, metadata === undefined ? undefined : JSON.stringify(metadata));
    const uploaded = await call(`${this.registry.url}/v1/models/${name}/versions`, { method: 'POST', body });
    if (uploaded.status !== 201) throw new Error(`could not upload: ${JSON.stringify(uploaded.body)}`);
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT v.id FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = $1 AND v.version = $2',
      [name, uploaded.body.version],
    );
    return { model: name, version: uploaded.body.version, id: rows[0].id, jobId: validationJobId(rows[0].id), sha256: uploaded.body.sha256 };
  }

  /** The version as the registry serves it. */
  async version(uploaded: UploadedVersion): Promise<Record<string, any>> {
    const answer = await call(`${this.registry.url}/v1/models/${uploaded.model}/versions/${uploaded.version}`);
    if (answer.status !== 200) throw new Error(`could not read the version: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /**
   * The version once it has left `pending` (or still pending when the time is up), and its job once it
   * is no longer active: the worker commits the version's status first, then counts the outcome in its
   * metrics, and only then does BullMQ move the job on (completed and removed, failed, or delayed for
   * a retry), so a read right after the status changed can still find the job active and the count old.
   */
  async settled(uploaded: UploadedVersion, timeoutMs = 15_000): Promise<Record<string, any>> {
    const version = await eventually(() => this.version(uploaded), (v) => v.status !== 'pending', timeoutMs);
    if (version.status !== 'pending') await eventually(() => this.jobState(uploaded.jobId), (state) => state !== 'active', timeoutMs);
    return version;
  }

  /** The job's state; 'absent' once it is gone (also when it was removed between the two reads). */
  async jobState(jobId: string): Promise<string> {
    const job = await this.queue.getJob(jobId);
    const state = job ? await job.getState() : 'absent';
    return state === 'unknown' ? 'absent' : state;
  }

  async close(): Promise<void> {
    for (const worker of this.workers.splice(0)) await worker.close();
    await this.registry.close();
    await this.queue.close();
    await this.db.end();
  }
}

/** Scrapes a worker's /metrics and returns the value of one sample (0 when it is not there yet). */
export async function metricValue(worker: RunningApp, sample: string): Promise<number> {
  const text = (await call<string>(`${worker.url}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
