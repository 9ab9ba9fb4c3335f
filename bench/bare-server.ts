import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { fastify } from 'fastify';
import * as ort from 'onnxruntime-node';
import { SERVING_SESSION_OPTIONS } from '@switchyard/onnx';

/**
 * The bare baseline: the least a server can do for the gateway's job. Plain Fastify (the same HTTP
 * stack the gateway runs under NestJS), one process, one onnxruntime-node session of the same model,
 * opened with the gateway's session options, parsing the same body (`{"instances": [[...features]]}`), running it, and replying with the outputs.
 * No routing, no metrics, no validation beyond what keeps it from crashing.
 *
 * Env: BARE_PORT, BARE_MODEL_FILE (an .onnx with one float input [batch, features] and one output),
 * BARE_WORKERS (default 1): more than one runs that many of these servers as node:cluster workers on
 * the one port, as the gateway does with GATEWAY_WORKERS (scenario 2's baseline).
 */
async function main(): Promise<void> {
  const workers = Number(process.env.BARE_WORKERS ?? 1);
  if (workers > 1 && cluster.isPrimary) return runPrimary(workers);
  const port = Number(process.env.BARE_PORT ?? 0);
  const modelFile = process.env.BARE_MODEL_FILE;
  if (!modelFile) throw new Error('BARE_MODEL_FILE is required');
  const session = await ort.InferenceSession.create(await readFile(modelFile), SERVING_SESSION_OPTIONS);
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const features = Number((session.inputMetadata[0] as { shape?: Array<number | string> }).shape?.[1] ?? 0);

  const app = fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/v1/models/:name/predict', async (request, reply) => {
    const instances = (request.body as { instances?: unknown } | null)?.instances;
    if (!Array.isArray(instances) || instances.length === 0) return reply.code(400).send({ error: 'instances must be a non-empty array' });
    const data = new Float32Array(instances.length * features);
    for (let row = 0; row < instances.length; row++) {
      const values = instances[row] as unknown;
      if (!Array.isArray(values) || values.length !== features) return reply.code(400).send({ error: `each instance must have ${features} numbers` });
      for (let column = 0; column < features; column++) data[row * features + column] = values[column] as number;
    }
    const results = await session.run({ [inputName]: new ort.Tensor('float32', data, [instances.length, features]) });
    const output = results[outputName];
    const width = output.dims[1] ?? 1;
    const values = output.data as Float32Array;
    const rows: number[][] = [];
    for (let row = 0; row < instances.length; row++) rows.push(Array.from(values.subarray(row * width, (row + 1) * width)));
    return { outputs: { [outputName]: rows } };
  });
  await app.listen({ port, host: '127.0.0.1' });
  const stopServer = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stopServer);
  process.on('SIGINT', stopServer);
}

/** Forks the workers; a signal stops them all, and the primary exits once they have (no drain: it is a baseline). */
function runPrimary(workers: number): void {
  for (let i = 0; i < workers; i++) cluster.fork();
  const stopAll = (signal: NodeJS.Signals) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
