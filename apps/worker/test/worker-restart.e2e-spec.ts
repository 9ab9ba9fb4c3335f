import { QueueEvents } from 'bullmq';
import { buildMlp } from '@switchyard/onnx/testing';
import { dropDatabase } from '@switchyard/persistence';
import { ARTIFACT_VALIDATION_QUEUE } from '@switchyard/queues';
import { eventually } from '../../../test/support/artifacts';
import { s3StoreEnv } from '../../../test/support/http-app';
import { freePort, runNode, type Spawned, stop, waitForHttp } from '../../../test/support/processes';
import { TEST_BUCKET, testRun } from '../../../test/support/test-env';
import { TcpProxy } from './tcp-proxy';
import { createIsolatedDatabase } from '../../../test/support/isolation';
import { NO_SWEEP, ValidationStack } from './validation-stack';

const WORKER = 'apps/worker/src/main.js';
const LOCK_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the compiled worker on a free port and waits until it answers. */
async function spawnWorker(env: Record<string, string>): Promise<Spawned> {
  const port = await freePort();
  const worker = runNode(WORKER, { ...env, WORKER_PORT: String(port), LOG_LEVEL: 'warn' });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health/live`);
  } catch (error) {
    await stop(worker);
    throw new Error(`the worker did not start: ${String(error)}\n${worker.output()}`);
  }
  return worker;
}

describe('a worker process killed mid-job', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
  });
  afterAll(() => dropDatabase(databaseUrl));

  it('leaves its job to be taken again once its lock expires, and a fresh worker validates the version', async () => {
    const storeEnv = s3StoreEnv();
    const stack = await ValidationStack.start(databaseUrl, storeEnv);
    // The first worker reads the store through a proxy that passes its requests on but never its answers.
    const proxy = await TcpProxy.start(testRun().s3Endpoint, 'hold');
    const events = new QueueEvents(ARTIFACT_VALIDATION_QUEUE, {
      connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null },
      prefix: stack.env.REDIS_PREFIX,
    });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    const workerEnv = { ...stack.env, ...NO_SWEEP, VALIDATION_LOCK_MS: String(LOCK_MS) };
    let first: Spawned | undefined;
    let second: Spawned | undefined;
    try {
      await events.waitUntilReady();
      first = await spawnWorker({ ...workerEnv, S3_ENDPOINT: proxy.url });
      const uploaded = await stack.upload(buildMlp({ layers: [4, 8, 3], seed: 11 }));

      // The first worker has asked the store for exactly this artifact and is waiting for the answer.
      const prefix = storeEnv.ARTIFACT_STORE_URL.slice(`s3://${TEST_BUCKET}/`.length);
      const artifactGet = `GET /${TEST_BUCKET}/${prefix}/models/${uploaded.model}/1/model.onnx`;
      const sent = await eventually(async () => proxy.requests, (requests) => requests.some((r) => r.startsWith(artifactGet)));
      expect(sent).toEqual(expect.arrayContaining([expect.stringMatching(`^${artifactGet}`)]));
      expect(await stack.jobState(uploaded.jobId)).toBe('active');
      // Longer than the lock: a live worker renews it, so the job is still its own.
      await sleep(LOCK_MS + 500);
      expect(await stack.jobState(uploaded.jobId)).toBe('active');
      expect((await stack.version(uploaded)).status).toBe('pending');

      process.kill(first.child.pid!, 'SIGKILL');
      await first.exited;
      expect(first.child.signalCode).toBe('SIGKILL');
      // Nobody finished it: the job is orphaned in the active list, the version still pending.
      expect(await stack.jobState(uploaded.jobId)).toBe('active');
      expect((await stack.version(uploaded)).status).toBe('pending');

      second = await spawnWorker(workerEnv);
      const version = await stack.settled(uploaded, 30_000);
      if (version.status !== 'ready') throw new Error(`version is ${version.status}; second worker said:\n${second.output()}`);
      expect(version).toMatchObject({
        status: 'ready',
        signature: { inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }] },
      });
      // Taken again through BullMQ's stalled-job check, not re-added by anyone (the event comes on the
      // QueueEvents connection, in its own time).
      expect(await eventually(async () => [...stalled], (seen) => seen.length > 0, 10_000)).toEqual([uploaded.jobId]);
    } finally {
      for (const worker of [first, second]) if (worker) await stop(worker);
      await events.close();
      await proxy.close();
      await stack.close();
    }
  }, 60_000);
});
