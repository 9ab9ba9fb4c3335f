import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandPath, ensureDebianPackages } from './apt';
import { freePort, type Spawned, stop } from './processes';

/**
 * nginx for tests, on loopback, with the configuration that ships: deploy/docker/nginx.conf (what
 * docker compose mounts) is read and only its container-specific lines are replaced. Every other
 * line — proxy_next_upstream, timeouts, keepalive pool, headers, log format — is the shipped one.
 */
export const SHIPPED_NGINX_CONF = path.resolve(__dirname, '..', '..', 'deploy', 'docker', 'nginx.conf');

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx', '/usr/local/nginx/sbin/nginx'];

function findNginx(): string | undefined {
  // /usr/sbin may be missing from a non-root PATH.
  return commandPath('nginx') ?? CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

/** Path of the nginx binary; installs Debian's nginx-light (falling back to nginx) when it is missing. */
export function ensureNginx(): string {
  return ensureDebianPackages('nginx', findNginx, [['nginx-light'], ['nginx']]);
}

/** One substitution that must apply exactly once, so a reshaped shipped config fails loudly here. */
function replaceOnce(text: string, pattern: RegExp, replacement: (match: RegExpExecArray) => string, what: string): string {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const matches = [...text.matchAll(global)];
  if (matches.length !== 1) throw new Error(`${SHIPPED_NGINX_CONF}: expected exactly one ${what}, found ${matches.length}`);
  const match = matches[0] as unknown as RegExpExecArray;
  return text.slice(0, match.index) + replacement(match) + text.slice(match.index! + match[0].length);
}

export interface LoopbackConfig {
  /** Port nginx listens on, on 127.0.0.1. */
  port: number;
  /** Gateway ports on 127.0.0.1 that replace the one `server gateway:8080 resolve ...` line. */
  upstreamPorts: number[];
  /** Port nginx takes gRPC on, on 127.0.0.1 (the shipped `listen 8081 http2;`). */
  grpcPort: number;
  /** Gateway gRPC ports on 127.0.0.1 that replace the one `server gateway:8081 resolve ...` line. */
  grpcUpstreamPorts: number[];
  /** Directory for logs, temp files and the pid file. */
  dir: string;
}

/**
 * The shipped config with only these changes:
 *  - error_log / access_log go to files in `dir` (not the container's stdout/stderr), same format;
 *  - the `pid` line goes (the pid file is set with -g, on the command line);
 *  - the `resolver` line goes: Docker's DNS (127.0.0.11) does not exist here, loopback needs none;
 *  - `server gateway:8080 resolve <params>;` becomes one `server 127.0.0.1:<port> <params>;` per
 *    gateway (same max_fails/fail_timeout). `resolve` needs nginx >= 1.27.3; Debian 12 has 1.22;
 *  - `listen 8080;` becomes `listen 127.0.0.1:<port>;`;
 *  - the same for gRPC: `server gateway:8081 resolve <params>;` and `listen 8081 http2;`;
 *  - temp paths point into `dir`, so nginx writes nothing outside it.
 */
export function loopbackNginxConf(shipped: string, { port, upstreamPorts, grpcPort, grpcUpstreamPorts, dir }: LoopbackConfig): string {
  let conf = shipped;
  conf = replaceOnce(conf, /^\s*error_log\s+\S+(\s+\w+)?;/m, (m) => `error_log ${path.join(dir, 'error.log')}${m[1] ?? ''};`, 'error_log');
  conf = replaceOnce(conf, /^\s*pid\s+[^;]+;\n?/m, () => '', 'pid');
  conf = replaceOnce(conf, /^(\s*)access_log\s+\/dev\/stdout(\s+\w+);/m, (m) => `${m[1]}access_log ${path.join(dir, 'access.log')}${m[2]};`, 'access_log to stdout');
  conf = replaceOnce(conf, /^\s*resolver\s+[^;]+;\n?/m, () => '', 'resolver');
  conf = replaceOnce(
    conf,
    /^(\s*)server\s+gateway:8080\s+resolve([^;]*);/m,
    (m) => upstreamPorts.map((p) => `${m[1]}server 127.0.0.1:${p}${m[2]};`).join('\n'),
    'upstream server gateway:8080 resolve',
  );
  conf = replaceOnce(conf, /^(\s*)listen\s+8080;/m, (m) => `${m[1]}listen 127.0.0.1:${port};`, 'listen 8080');
  conf = replaceOnce(
    conf,
    /^(\s*)server\s+gateway:8081\s+resolve([^;]*);/m,
    (m) => grpcUpstreamPorts.map((p) => `${m[1]}server 127.0.0.1:${p}${m[2]};`).join('\n'),
    'upstream server gateway:8081 resolve',
  );
  conf = replaceOnce(conf, /^(\s*)listen\s+8081\s+http2;/m, (m) => `${m[1]}listen 127.0.0.1:${grpcPort} http2;`, 'listen 8081 http2');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${path.join(dir, `${kind}_temp`)};`)
    .join('\n');
  conf = replaceOnce(conf, /^http\s*\{\n/m, (m) => `${m[0]}${temp}\n`, 'http block');
  return conf;
}

export interface RunningNginx extends Spawned {
  url: string;
  /** host:port nginx takes gRPC on. */
  grpcAddress: string;
  dir: string;
  /** Lines of the access log so far (the shipped `switchyard` log_format). */
  accessLog(): string[];
  errorLog(): string;
  close(): Promise<void>;
}

/** Runs nginx in the foreground as our child (`daemon off`), on 127.0.0.1, in front of the gateways' HTTP and gRPC ports. */
export async function startNginx(upstreamPorts: number[], grpcUpstreamPorts: number[], timeoutMs = 10_000): Promise<RunningNginx> {
  const binary = ensureNginx();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-nginx-'));
  // Workers run as `nobody` when the master is root; they must reach the temp dirs inside.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const grpcPort = await freePort();
  const confPath = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confPath, loopbackNginxConf(fs.readFileSync(SHIPPED_NGINX_CONF, 'utf8'), { port, upstreamPorts, grpcPort, grpcUpstreamPorts, dir }));
  const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', confPath, '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`];

  // Syntax check first, for a readable failure.
  try {
    execFileSync(binary, ['-t', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (error) {
    throw new Error(`nginx -t rejected ${confPath}: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8');
    } catch {
      return '';
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const running: RunningNginx = {
    child,
    output: () => output,
    exited,
    url,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    dir,
    accessLog: () => read('access.log').split('\n').filter(Boolean),
    errorLog: () => read('error.log'),
    // SIGQUIT is nginx's graceful stop; SIGKILL after the grace period.
    close: async () => {
      await stop(running, 'SIGQUIT', 5_000);
    },
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited at start (${child.exitCode ?? child.signalCode}): ${output}${running.errorLog()}`);
    }
    try {
      if ((await fetch(`${url}/_nginx/health`)).ok) return running;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await running.close();
      throw new Error(`nginx did not answer on ${url} within ${timeoutMs} ms: ${output}${running.errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One parsed line of the shipped `switchyard` log_format. */
export interface AccessLine {
  request: string;
  status: number;
  /** Every upstream tried, in order (more than one after a retry). */
  upstreams: string[];
  upstreamStatuses: string[];
  requestId: string;
  routingKey: string;
}

export function parseAccessLine(line: string): AccessLine | undefined {
  const match = /"([^"]*)" (\d{3}) \d+ \S+ upstream=(.*?) upstream_status=(.*?) request_id=(\S*) response_request_id=\S* routing_key=(\S*)$/.exec(line);
  if (!match) return undefined;
  // "a, b" between tries, "a : b" between upstream groups (after an internal redirect)
  const list = (s: string) => (s === '-' ? [] : s.split(/\s*,\s*|\s+:\s+/).filter(Boolean));
  return {
    request: match[1],
    status: Number(match[2]),
    upstreams: list(match[3]),
    upstreamStatuses: list(match[4]),
    requestId: match[5],
    routingKey: match[6],
  };
}
