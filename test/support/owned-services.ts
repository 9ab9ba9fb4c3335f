import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { freePort, runNode, type Spawned, stop } from './processes';

/**
 * Dependencies a test starts and stops itself, to show what the apps do while one is down: a private
 * redis-server, a TCP proxy that can cut a connection path (Postgres, S3) and open it again, and
 * registry/gateway processes. Everything is stopped by the PID (or server) the test holds.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spawnCommand(command: string, args: string[]): Spawned {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (error) => {
      output += String(error);
      resolve(null);
    });
  });
  return { child, output: () => output, exited };
}

const hasExited = (spawned: Spawned) => spawned.child.exitCode !== null || spawned.child.signalCode !== null;

/** One PING over a raw socket: true when a Redis server answers +PONG on the port. */
function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/** A redis-server of the test's own on a loopback port, with no persistence; restartable on the same port. */
export class OwnedRedis {
  private process?: Spawned;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnedRedis> {
    const redis = new OwnedRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    if (this.process && !hasExited(this.process)) throw new Error(`redis-server on ${this.port} is already running`);
    const spawned = spawnCommand('redis-server', [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
    ]);
    this.process = spawned;
    const deadline = Date.now() + timeoutMs;
    while (!(await pingRedis(this.port))) {
      if (hasExited(spawned)) throw new Error(`redis-server on ${this.port} exited at start:\n${spawned.output()}`);
      if (Date.now() > deadline) {
        await stop(spawned, 'SIGKILL');
        throw new Error(`redis-server on ${this.port} did not answer PING within ${timeoutMs} ms:\n${spawned.output()}`);
      }
      await sleep(25);
    }
  }

  /** Stops the server by its PID and waits until it has exited (its port refuses connections). */
  async stop(): Promise<void> {
    if (this.process) await stop(this.process, 'SIGTERM', 5_000);
  }
}

/**
 * A TCP proxy in front of one host:port. `cut()` destroys every connection through it and stops
 * listening, so clients get ECONNREFUSED as if the dependency were stopped; `restore()` listens on the
 * same port again.
 */
export class SwitchableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted while open, in total. */
  connections = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<SwitchableProxy> {
    const proxy = new SwitchableProxy(targetHost, targetPort, await freePort());
    await proxy.restore();
    return proxy;
  }

  /** `http://127.0.0.1:<port>`, for HTTP dependencies (S3). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isOpen(): boolean {
    return this.server !== null;
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // A cut connection errors on one side or both; that is the point, not a failure of the proxy.
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  close(): Promise<void> {
    return this.cut();
  }
}

/** A registry or gateway run from dist/ as a child process, on a port fixed up front (so it can come back on it). */
export class AppProcess {
  private process?: Spawned;
  /** Output of every run of this app, earlier runs included. */
  private previousOutput = '';

  private constructor(
    readonly name: 'registry' | 'gateway',
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async registry(env: Record<string, string>, port?: number): Promise<AppProcess> {
    const chosen = port ?? (await freePort());
    const app = new AppProcess('registry', chosen, { LOG_LEVEL: 'warn', ...env, REGISTRY_PORT: String(chosen) });
    await app.start();
    return app;
  }

  /** `startTimeoutMs`: longer for a gateway of several workers, each a whole app booting on shared cores. */
  static async gateway(env: Record<string, string>, port?: number, startTimeoutMs?: number): Promise<AppProcess> {
    const chosen = port ?? (await freePort());
    const app = new AppProcess('gateway', chosen, { LOG_LEVEL: 'warn', ...env, GATEWAY_PORT: String(chosen) });
    await app.start(startTimeoutMs);
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  get running(): boolean {
    return this.process !== undefined && !hasExited(this.process);
  }

  /** Everything the app has logged, over all its runs. */
  output(): string {
    return this.previousOutput + (this.process?.output() ?? '');
  }

  /** Starts (or starts again, same port and environment) and waits until /health/live answers. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} on ${this.port} is already running`);
    this.previousOutput = this.output();
    const spawned = runNode(`apps/${this.name}/src/main.js`, this.env);
    this.process = spawned;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/health/live`, { signal: AbortSignal.timeout(2_000) })).ok) return;
      } catch {
        // not listening yet
      }
      if (hasExited(spawned)) throw new Error(`${this.name} exited at start (code ${spawned.child.exitCode}):\n${spawned.output()}`);
      if (Date.now() > deadline) {
        await stop(spawned, 'SIGKILL');
        throw new Error(`${this.name} did not answer /health/live within ${timeoutMs} ms:\n${spawned.output()}`);
      }
      await sleep(50);
    }
  }

  /** Stops this run by its PID (SIGTERM: graceful; SIGKILL: a crash) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.process) await stop(this.process, signal, 10_000);
  }
}

/** Undo actions run last-in first-out, each one even if another failed; the first error is rethrown. */
export class Cleanup {
  private readonly actions: Array<() => Promise<unknown> | unknown> = [];

  defer(action: () => Promise<unknown> | unknown): void {
    this.actions.push(action);
  }

  async run(): Promise<void> {
    let first: unknown;
    while (this.actions.length) {
      try {
        await this.actions.pop()!();
      } catch (error) {
        first ??= error;
      }
    }
    if (first) throw first;
  }
}
