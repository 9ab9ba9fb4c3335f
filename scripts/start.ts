import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { issueKey, isWellFormedKey } from '@switchyard/auth';
import { type Env, loadDotEnv, validateEnv } from '@switchyard/config';
import { formatLogLine } from './log-lines';
import { prepareDatabase } from './migrate';

interface AppProcess {
  name: string;
  entry: string;
}

/** The registry, the gateway (GATEWAY_WORKERS workers behind GATEWAY_PORT) and the worker. */
function appProcesses(): AppProcess[] {
  const entry = (app: string) => path.join(__dirname, '..', 'apps', app, 'src', 'main.js');
  return ['registry', 'gateway', 'worker'].map((name) => ({ name, entry: entry(name) }));
}

/** Where `npm start` keeps the admin key it made, when SWITCHYARD_BOOTSTRAP_ADMIN_KEY is not set. */
const BOOTSTRAP_KEY_FILE = path.join('data', 'bootstrap-admin-key');

/**
 * With auth on and no SWITCHYARD_BOOTSTRAP_ADMIN_KEY, the first start makes an admin key and keeps it in
 * data/bootstrap-admin-key (owner-only); the registry creates it, and the gateways use it towards the
 * registry unless REGISTRY_API_KEY names another. Later starts reuse it, so the system is usable at
 * once and the key survives restarts.
 */
async function keyEnvironment(env: Env): Promise<Record<string, string>> {
  if (!env.AUTH_ENABLED) return {};
  let key = env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY;
  if (!key) {
    key = (await readFile(BOOTSTRAP_KEY_FILE, 'utf8').catch(() => '')).trim();
    if (!isWellFormedKey(key)) {
      key = issueKey().key;
      await mkdir(path.dirname(BOOTSTRAP_KEY_FILE), { recursive: true });
      await writeFile(BOOTSTRAP_KEY_FILE, `${key}\n`, { mode: 0o600 });
    }
    console.log(`admin API key: in ${BOOTSTRAP_KEY_FILE} (export SWITCHYARD_API_KEY=$(cat ${BOOTSTRAP_KEY_FILE}); create narrower keys with POST /v1/keys)`);
  }
  return { SWITCHYARD_BOOTSTRAP_ADMIN_KEY: key, REGISTRY_API_KEY: env.REGISTRY_API_KEY ?? key };
}

/**
 * `npm start`: validate the environment, create the database and run migrations, then run the apps as
 * child processes (the gateway, a cluster of GATEWAY_WORKERS workers on one port, and the worker once
 * the registry answers). Ctrl-C (SIGINT) or SIGTERM stops
 * them all; if one dies, the rest are stopped.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const env = validateEnv(process.env);
  await prepareDatabase(env.DATABASE_URL);
  const keys = await keyEnvironment(env);

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  };

  const [registry, ...others] = appProcesses();
  // On a terminal, people read the logs: human lines. Anywhere else (a file, a pipe, a collector): the
  // apps' JSON lines as they are.
  const humanLogs = process.stdout.isTTY === true;
  const start = (app: AppProcess) => {
    const child = spawn(process.execPath, [app.entry], { stdio: ['inherit', humanLogs ? 'pipe' : 'inherit', 'inherit'], env: { ...process.env, ...keys } });
    if (humanLogs && child.stdout) {
      const colour = !('NO_COLOR' in process.env);
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => process.stdout.write(`${formatLogLine(line, colour)}\n`));
    }
    children.set(app.name, child);
    child.on('exit', (code, signal) => {
      children.delete(app.name);
      if (!stopping) {
        console.error(`${app.name} exited (${signal ?? code}); stopping the others`);
        process.exitCode = 1;
        stopAll('SIGTERM');
      }
      if (children.size === 0) process.exit();
    });
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));

  start(registry);
  // A gateway that starts before the registry listens finds it unreachable and begins as in an outage
  // (its snapshot, or nothing): start the gateways once the registry answers.
  const live = new URL('/health/live', `http://${connectableHost(env.HOST)}:${env.REGISTRY_PORT}`);
  if (!(await answers(live, REGISTRY_START_TIMEOUT_MS, () => stopping || !children.has(registry.name)))) {
    if (stopping) return;
    console.warn(`the registry did not answer ${live.href} within ${REGISTRY_START_TIMEOUT_MS / 1_000} s; starting the gateways anyway`);
  }
  for (const app of others) start(app);
}

/** How long `npm start` waits for the registry before starting the gateways anyway. */
const REGISTRY_START_TIMEOUT_MS = 60_000;

/** A wildcard listen address is reached through loopback. */
function connectableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Polls `url` until it answers 2xx, `give up` says so, or the bound; true when it answered. */
async function answers(url: URL, timeoutMs: number, giveUp: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !giveUp()) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
