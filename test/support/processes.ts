import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

/** The compiled tree, whether this file runs from source (Jest) or compiled (bench). */
const ROOT = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []));
export const DIST = path.join(ROOT, 'dist');

/** A port the OS reports free right now, for processes that must be told their port up front. */
/**
 * Ports handed to the apps a test starts come from below the kernel's ephemeral range (32768–60999 on
 * Linux), which port-0 listeners and every outgoing connection draw from. A port taken from that range and
 * released could be taken again by any socket before the app binds it (seen: a worker's EADDRINUSE, while
 * another process answered on its port); below it, only another test picking the same number can collide.
 */
const TEST_PORTS = { from: 20_000, to: 32_000 };

async function canListen(port: number): Promise<boolean> {
  const server = net.createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (listening) await new Promise((resolve) => server.close(resolve));
  return listening;
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = TEST_PORTS.from + Math.floor(Math.random() * (TEST_PORTS.to - TEST_PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${TEST_PORTS.from} and ${TEST_PORTS.to}`);
}

/** Two consecutive free ports (port, port + 1), for apps that take a base port. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (await canListen(port + 1)) return port;
  }
  throw new Error('no two consecutive free ports found');
}

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** How long `exited` waits, after the process has exited, for the rest of its output. */
const OUTPUT_DRAIN_MS = 2_000;

/**
 * A spawned child (stdout and stderr piped) with its output captured, stdout and stderr interleaved.
 * `exited` settles on 'close', once both streams are read to their end, so output() then holds all
 * the process wrote: on 'exit' the last lines may still be unread. A grandchild holding the streams
 * open delays it by OUTPUT_DRAIN_MS at most.
 */
export function captured(child: ChildProcess): Spawned {
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('exit', (code) => setTimeout(() => resolve(code), OUTPUT_DRAIN_MS).unref());
  });
  return { child, output: () => output, exited };
}

/** Runs a compiled entry point (npm test builds first); output is captured for assertions and failures. */
export function runNode(entry: string, env: Record<string, string | undefined>, dist = DIST): Spawned {
  return captured(spawn(process.execPath, [path.join(dist, entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
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
