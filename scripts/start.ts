import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { loadDotEnv, validateEnv } from '../libs/config/src';
import { prepareDatabase } from './migrate';

interface AppProcess {
  name: string;
  entry: string;
  env: Record<string, string>;
}

/** The registry, GATEWAY_REPLICAS gateways on consecutive ports, and the worker. */
function appProcesses(gatewayPort: number, replicas: number): AppProcess[] {
  const entry = (app: string) => path.join(__dirname, '..', 'apps', app, 'src', 'main.js');
  const gateways = Array.from({ length: replicas }, (_, i) => ({
    name: replicas === 1 ? 'gateway' : `gateway-${i + 1}`,
    entry: entry('gateway'),
    env: { GATEWAY_PORT: String(gatewayPort + i), ...(replicas === 1 ? {} : { GATEWAY_REPLICA_ID: `gateway-${i + 1}` }) },
  }));
  return [{ name: 'registry', entry: entry('registry'), env: {} }, ...gateways, { name: 'worker', entry: entry('worker'), env: {} }];
}

/**
 * `npm start`: validate the environment, create the database and run migrations, then run the apps as
 * child processes (GATEWAY_REPLICAS gateways on consecutive ports). Ctrl-C (SIGINT) or SIGTERM stops
 * them all; if one dies, the rest are stopped.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const env = validateEnv(process.env);
  await prepareDatabase(env.DATABASE_URL);

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  };

  for (const app of appProcesses(env.GATEWAY_PORT, env.GATEWAY_REPLICAS)) {
    const child = spawn(process.execPath, [app.entry], { stdio: 'inherit', env: { ...process.env, ...app.env } });
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
  }
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
