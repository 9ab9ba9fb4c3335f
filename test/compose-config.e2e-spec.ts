/**
 * docker-compose.yml passes `docker-compose config`: the file is validated against the Compose
 * schema and fully resolved (interpolation, YAML merge keys, depends_on conditions). No Docker engine
 * is needed for that, so Debian's docker-compose (1.29, Python) does it here; the test installs it
 * when missing. The file must stay valid for Docker Compose v2 too, so nothing v1-only is used.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { commandPath, ensureDebianPackages } from './support/apt';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

type Obj = Record<string, any>;

interface ConfigRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('docker-compose.yml', () => {
  let dockerCompose: string;
  const work = mkdtempSync(path.join(os.tmpdir(), 'switchyard-compose-'));
  // An empty env file: a developer's .env (or shell variables below) must not change what is checked.
  const emptyEnv = path.join(work, 'empty.env');
  writeFileSync(emptyEnv, '');

  /** `docker-compose -f <file> config`, with the repository as project directory and no outside settings. */
  async function config(file: string): Promise<ConfigRun> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
    try {
      const { stdout, stderr } = await promisify(execFile)(dockerCompose, ['--project-directory', ROOT, '--env-file', emptyEnv, '-f', file, 'config'], {
        env,
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
    }
  }

  beforeAll(() => {
    dockerCompose = ensureDebianPackages('docker-compose', () => commandPath('docker-compose'), [['docker-compose']], 300_000);
  }, 660_000);

  it('passes `docker-compose config` and resolves to the services, replicas and defaults it documents', async () => {
    const run = await config(COMPOSE_FILE);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const resolved = load(run.stdout) as Obj;

    expect(Object.keys(resolved.services).sort()).toEqual(['gateway', 'grafana', 'migrate', 'minio', 'minio-init', 'nginx', 'postgres', 'prometheus', 'redis', 'registry', 'worker']);
    // Monitoring starts only when asked for (`--profile monitoring`), with the files of deploy/monitoring/.
    for (const service of ['prometheus', 'grafana']) expect({ service, profiles: resolved.services[service].profiles }).toEqual({ service, profiles: ['monitoring'] });
    for (const service of Object.keys(resolved.services).filter((name) => !['prometheus', 'grafana'].includes(name))) {
      expect({ service, profiles: resolved.services[service].profiles }).toEqual({ service, profiles: undefined });
    }
    const mounted = (service: string) => (resolved.services[service].volumes as Array<string | Obj>).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
    expect(mounted('prometheus')).toEqual(expect.arrayContaining([path.join(ROOT, 'deploy/monitoring/prometheus.yml'), path.join(ROOT, 'deploy/monitoring/alerts.yml')]));
    expect(mounted('grafana')).toEqual(expect.arrayContaining([path.join(ROOT, 'deploy/monitoring/grafana/provisioning'), path.join(ROOT, 'deploy/monitoring/grafana/dashboards')]));
    for (const app of ['migrate', 'registry', 'worker', 'gateway']) {
      expect({ app, image: resolved.services[app].image }).toEqual({ app, image: 'switchyard:local' });
      expect(resolved.services[app].build).toMatchObject({ dockerfile: 'deploy/Dockerfile' });
    }
    expect(resolved.services.gateway.deploy.replicas).toBe(3);
    expect(resolved.services.gateway.depends_on).toMatchObject({ registry: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    expect(resolved.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    // Defaults interpolated; `$$` is not interpolated but left for the container's shell (`config`
    // prints it escaped again, so its output is itself a valid compose file).
    expect(resolved.services.registry.environment.DATABASE_URL).toBe('postgres://postgres:postgres@postgres:5432/switchyard');
    expect(resolved.services['minio-init'].command.join(' ')).toContain('"$${MINIO_ROOT_USER}"');
    // Only loopback is published.
    const published = Object.values<Obj>(resolved.services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(JSON.stringify(port)).toContain('127.0.0.1');
  });

  it('the check fails on a misspelled key and on an unknown depends_on condition', async () => {
    const original = readFileSync(COMPOSE_FILE, 'utf8');
    const cases: Array<[string, string, string]> = [
      ['misspelled', original.replace('    restart: unless-stopped\n    environment:\n      POSTGRES_USER', '    restrat: unless-stopped\n    environment:\n      POSTGRES_USER'), 'restrat'],
      ['condition', original.replace('condition: service_completed_successfully\n    postgres:', 'condition: service_finished\n    postgres:'), 'service_finished'],
    ];
    for (const [name, text, culprit] of cases) {
      expect(text).not.toBe(original);
      const file = path.join(work, `${name}.yml`);
      writeFileSync(file, text);
      const run = await config(file);
      expect({ name, code: run.code }).toEqual({ name, code: 1 });
      expect(run.stderr).toContain(culprit);
    }
  });
});
