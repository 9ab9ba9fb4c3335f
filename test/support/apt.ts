import { execFileSync } from 'node:child_process';

/**
 * Debian packages a test needs, installed by the test when missing (the machines and CI run the
 * tests as root on Debian). Nothing else is downloaded at test time.
 */

function apt(args: string[], timeoutMs: number): void {
  execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=60', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
}

/**
 * Returns what `probe` finds; when it finds nothing, installs the first of `alternatives` (each a
 * list of packages installed together) that apt-get accepts and probes again. Tries without
 * `apt-get update` first (a machine's package lists usually suffice), then updates once. Recommends
 * are not installed: `docker-compose` would otherwise bring a Docker engine. Every apt call is
 * bounded by `installTimeoutMs`.
 */
export function ensureDebianPackages<T>(what: string, probe: () => T | undefined, alternatives: string[][], installTimeoutMs = 240_000): T {
  const existing = probe();
  if (existing !== undefined) return existing;
  if (process.getuid?.() !== 0) {
    throw new Error(`${what} is not installed and the tests do not run as root: apt-get install -y ${alternatives[0].join(' ')}`);
  }
  const install = (packages: string[]) => () => apt(['install', '-y', '--no-install-recommends', ...packages], installTimeoutMs);
  const errors: string[] = [];
  for (const step of [...alternatives.map(install), () => apt(['update'], 180_000), ...alternatives.map(install)]) {
    try {
      step();
    } catch (error) {
      errors.push(String((error as { stderr?: Buffer }).stderr ?? error).slice(-500));
      continue;
    }
    const installed = probe();
    if (installed !== undefined) return installed;
  }
  throw new Error(`could not install ${what} with apt-get:\n${errors.join('\n---\n')}`);
}

/** Absolute path of a command found by the shell, or undefined. */
export function commandPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
