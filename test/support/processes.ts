import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

/** The compiled tree, whether this file runs from source (Jest) or compiled (bench). */
const ROOT = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []));
export const DIST = path.join(ROOT, 'dist');

/** A port the OS reports free right now, for processes that must be told their port up front. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Two consecutive free ports (port, port + 1), for apps that take a base port. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    const next = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      next.once('error', () => resolve(false));
      next.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise((resolve) => next.close(resolve));
      return port;
    }
  }
  throw new Error('no two consecutive free ports found');
}

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs a compiled entry point (npm test builds first); output is captured for assertions and failures. */
export function runNode(entry: string, env: Record<string, string | undefined>): Spawned {
  const child = spawn(process.execPath, [path.join(DIST, entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitForHttp(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Ends a child we started, by its PID, and waits for it; SIGKILL after a grace period. */
export async function stop(spawned: Spawned, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
  if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return spawned.exited;
  spawned.child.kill(signal);
  const timer = setTimeout(() => spawned.child.kill('SIGKILL'), graceMs);
  try {
    return await spawned.exited;
  } finally {
    clearTimeout(timer);
  }
}
