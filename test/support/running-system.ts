import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { dropDatabase } from '@switchyard/persistence';
import { captured, freePort, runNode, stop, waitForHttp } from './processes';
import { testRun, uniqueSuffix } from './test-env';

export interface RunningSystem {
  registry: string;
  gateway: string;
  /** What `npm start` and its apps printed so far, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/**
 * Switchyard as a user runs it, `npm start` (dist/scripts/start.js: migrations, registry, gateway,
 * worker as processes), on free loopback ports with a database, Redis prefix, artifact store and
 * gateway cache of its own, so scripts written for a real install run against it unchanged.
 */
export async function startSystem(): Promise<RunningSystem> {
  const run = uniqueSuffix();
  const databaseUrl = new URL(testRun().databaseUrl);
  databaseUrl.pathname = `/switchyard_sys_${run}`;
  const [registryPort, gatewayPort, workerPort] = [await freePort(), await freePort(), await freePort()];
  const started = runNode('scripts/start.js', {
    DATABASE_URL: databaseUrl.toString(),
    // Under the run's prefix, so the global teardown deletes its keys; its own, so this worker takes
    // no other suite's validation jobs.
    REDIS_PREFIX: `${testRun().redisPrefix}-sys${run}`,
    ARTIFACT_STORE_URL: `file://${path.join(testRun().workDir, `sys-artifacts-${run}`)}`,
    GATEWAY_CACHE_DIR: path.join(testRun().workDir, `sys-cache-${run}`),
    REGISTRY_PORT: String(registryPort),
    GATEWAY_PORT: String(gatewayPort),
    WORKER_PORT: String(workerPort),
    REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  const close = async () => {
    await stop(started, 'SIGINT');
    await dropDatabase(databaseUrl.toString());
  };
  try {
    for (const port of [registryPort, gatewayPort, workerPort]) await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000);
  } catch (error) {
    await close();
    throw new Error(`${String(error)}\n${started.output()}`);
  }
  return { registry: `http://127.0.0.1:${registryPort}`, gateway: `http://127.0.0.1:${gatewayPort}`, output: started.output, close };
}

export interface ScriptRun {
  code: number | null;
  output: string;
}

/** The repository: scripts run from here, as a reader runs them from a clone. */
const ROOT = path.resolve(__dirname, '..', '..');

/** Runs a bash script (a file, or text on stdin) from the repository folder with extra environment, bounded in time; stdout and stderr interleaved. */
export async function runBash(script: { file: string } | { text: string }, env: Record<string, string>, timeoutMs: number): Promise<ScriptRun> {
  const args = 'file' in script ? [script.file] : ['-s'];
  const child = spawn('bash', args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end('text' in script ? script.text : '');
  const spawned = captured(child);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    void stop(spawned, 'SIGKILL');
  }, timeoutMs);
  try {
    return { code: await spawned.exited, output: spawned.output() + (killed ? `\n[killed after ${timeoutMs} ms]` : '') };
  } finally {
    clearTimeout(timer);
  }
}
