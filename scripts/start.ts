import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { loadDotEnv, validateEnv } from '../libs/config/src';
import { prepareDatabase } from './migrate';

const APPS = ['registry', 'gateway', 'worker'] as const;

/**
 * `npm start`: validate the environment, create the database and run migrations, then run the three
 * apps as child processes. Ctrl-C (SIGINT) or SIGTERM stops all three; if one dies, the rest are stopped.
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

  for (const app of APPS) {
    const entry = path.join(__dirname, '..', 'apps', app, 'src', 'main.js');
    const child = spawn(process.execPath, [entry], { stdio: 'inherit', env: process.env });
    children.set(app, child);
    child.on('exit', (code, signal) => {
      children.delete(app);
      if (!stopping) {
        console.error(`${app} exited (${signal ?? code}); stopping the others`);
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
