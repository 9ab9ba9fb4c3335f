import { UnrecoverableError, Worker } from 'bullmq';
import { buildMlp } from '@switchyard/onnx/testing';
import { dropDatabase } from '@switchyard/persistence';
import { ARTIFACT_VALIDATION_QUEUE, VALIDATE_VERSION_JOB, VALIDATION_JOB_OPTIONS, type ValidateVersionPayload } from '@switchyard/queues';
import { eventually } from '../../../test/support/artifacts';
import { fileStoreEnv } from '../../../test/support/http-app';
import { createIsolatedDatabase } from '../../../test/support/isolation';
import { type UploadedVersion, ValidationStack } from './validation-stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sweep of stale pending versions', () => {
  let databaseUrl: string;
  let stack: ValidationStack;
  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    stack = await ValidationStack.start(databaseUrl, fileStoreEnv());
  });
  afterAll(async () => {
    await stack.close();
    await dropDatabase(databaseUrl);
  });

  /**
   * Ends the jobs of `versions` without touching the versions, as a worker whose last attempt failed
   * on the database would: `completed` ones return, the others fail without retry. Jobs are kept once
   * finished, as a failed validation job is (VALIDATION_JOB_OPTIONS keeps them a week).
   */
  async function finishJobsWithoutValidating(completed: UploadedVersion, failed: UploadedVersion): Promise<void> {
    await stack.queue.remove(completed.jobId);
    await stack.queue.add(VALIDATE_VERSION_JOB, { versionId: completed.id }, { ...VALIDATION_JOB_OPTIONS, removeOnComplete: false, jobId: completed.jobId });
    const impostor = new Worker<ValidateVersionPayload>(
      ARTIFACT_VALIDATION_QUEUE,
      async (job) => {
        if (job.data.versionId !== completed.id) throw new UnrecoverableError('the database was unreachable');
      },
      { connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null }, prefix: stack.env.REDIS_PREFIX },
    );
    try {
      expect(await eventually(() => stack.jobState(completed.jobId), (s) => s === 'completed')).toBe('completed');
      expect(await eventually(() => stack.jobState(failed.jobId), (s) => s === 'failed')).toBe('failed');
    } finally {
      await impostor.close();
    }
  }

  it('re-enqueues versions pending too long whose job is gone or finished, and leaves a job still queued', async () => {
    const model = await stack.createModel();
    const upload = (seed: number) => stack.upload(buildMlp({ layers: [4, 3], seed }), model);

    // Its job was never enqueued (as when Redis was down during the upload).
    const neverQueued = await upload(1);
    expect(await stack.queue.remove(neverQueued.jobId)).toBe(1);
    // Its jobs ended without validating it.
    const jobCompleted = await upload(2);
    const jobFailed = await upload(3);
    await finishJobsWithoutValidating(jobCompleted, jobFailed);
    // Its job waits out a long retry backoff: the sweep must not replace it.
    const jobDelayed = await upload(4);
    await stack.queue.remove(jobDelayed.jobId);
    await stack.queue.add(VALIDATE_VERSION_JOB, { versionId: jobDelayed.id }, { ...VALIDATION_JOB_OPTIONS, jobId: jobDelayed.jobId, delay: 600_000 });
    const stranded = [neverQueued, jobCompleted, jobFailed];

    // Sweeping often, but nothing is stale yet: nothing moves.
    const patient = await stack.startWorker({ PENDING_SWEEP_INTERVAL_MS: '200', PENDING_STALE_AFTER_MS: '3600000' });
    await sleep(1500);
    for (const version of [...stranded, jobDelayed]) expect((await stack.version(version)).status).toBe('pending');
    expect(await Promise.all(stranded.map((v) => stack.jobState(v.jobId)))).toEqual(['absent', 'completed', 'failed']);
    await stack.stopWorker(patient);

    // Pending for more than a second counts as stale now: the stranded versions are validated.
    await stack.startWorker({ PENDING_SWEEP_INTERVAL_MS: '300', PENDING_STALE_AFTER_MS: '1000' });
    for (const version of stranded) {
      expect(await stack.settled(version)).toMatchObject({ status: 'ready', signature: { inputs: [{ name: 'input', shape: [-1, 4] }] } });
    }
    // Several sweeps later the delayed job is still the one there, and its version still pending.
    await sleep(1000);
    expect(await stack.jobState(jobDelayed.jobId)).toBe('delayed');
    expect((await stack.queue.getJob(jobDelayed.jobId))!.delay).toBe(600_000);
    expect((await stack.version(jobDelayed)).status).toBe('pending');
  });
});
