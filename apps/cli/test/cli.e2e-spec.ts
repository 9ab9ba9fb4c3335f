import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAffine, buildReflectPad, buildReshapeThatNeverFits, seededBytes } from '@switchyard/onnx/testing';
import { fileStoreEnv, type RunningApp, startRegistry, startWorker } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { DIST } from '../../../test/support/processes';
import { uniqueSuffix } from '../../../test/support/test-env';
import { issueKey } from '@switchyard/auth';
import { testAdminKey } from '../../../test/support/client';
import { createKey } from '../../../test/support/keys';

const CLI = path.join(DIST, 'apps', 'cli', 'src', 'main.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('switchyard CLI (compiled, against a real registry and worker)', () => {
  let databaseUrl: string;
  let registry: RunningApp;
  let worker: RunningApp;
  let dir: string;
  let goodModel: string;
  let secondModel: string;
  let garbage: string;

  /** Runs the compiled CLI with stdio on pipes (not a terminal), the registry from the environment. */
  function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { ...process.env, SWITCHYARD_REGISTRY_URL: registry.url, SWITCHYARD_API_KEY: testAdminKey(), ...env }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    const env = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), ...fileStoreEnv() };
    registry = await startRegistry(env);
    worker = await startWorker({ ...env, PENDING_SWEEP_INTERVAL_MS: '3600000' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'switchyard-cli-'));
    goodModel = path.join(dir, 'affine.onnx');
    secondModel = path.join(dir, 'affine2.onnx');
    garbage = path.join(dir, 'garbage.onnx');
    await writeFile(goodModel, buildAffine({ scale: 2, bias: 1, features: 4 }));
    await writeFile(secondModel, buildAffine({ scale: 3, bias: 5, features: 4 }));
    await writeFile(garbage, seededBytes(4096, 1));
  });

  afterAll(async () => {
    await worker?.close();
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (databaseUrl) await dropIsolatedDatabase(databaseUrl);
  });

  it('reads the key from SWITCHYARD_API_KEY or --api-key; a refused key is a clear message and exit 1, never a stack trace', async () => {
    const unknown = await cli(['models', 'list'], { SWITCHYARD_API_KEY: issueKey().key });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error (401)');
    expect(unknown.stderr).toContain('--api-key or SWITCHYARD_API_KEY');
    const viewer = await createKey(registry.url, ['viewer'], { name: 'cli-viewer' });
    const refused = await cli(['models', 'create', `cli-${uniqueSuffix()}`, '--api-key', viewer.key], { SWITCHYARD_API_KEY: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('needs the "publisher" role');
    const allowed = await cli(['models', 'list', '--api-key', viewer.key, '--json'], { SWITCHYARD_API_KEY: '' });
    expect(allowed.code).toBe(0);
    for (const result of [unknown, refused]) expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('creates a model, uploads a version and waits until it is ready', async () => {
    const name = `cli-${uniqueSuffix()}`;
    const created = await cli(['models', 'create', name, '--description', 'from the CLI', '--tag', 'team=risk', '--json']);
    expect(created).toMatchObject({ code: 0 });
    expect(JSON.parse(created.stdout)).toMatchObject({ name, description: 'from the CLI', tags: { team: 'risk' } });

    const uploaded = await cli(['versions', 'upload', name, goodModel, '--metrics', 'rmse=0.31', '--wait', '--timeout', '30', '--json']);
    expect(uploaded.stderr).toBe('');
    expect(uploaded.code).toBe(0);
    const version = JSON.parse(uploaded.stdout);
    expect(version).toMatchObject({
      version: 1,
      status: 'ready',
      metadata: { metrics: { rmse: 0.31 } },
      signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }] },
    });
    expect(uploaded.stderr).not.toContain('\r');

    const human = await cli(['versions', 'upload', name, secondModel, '--wait']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${name} v2: ready`);
    expect(human.stdout).toContain('x: FP32 [-1, 4]');
    expect(human.stderr).not.toContain('\r'); // no progress bar when stderr is not a terminal

    const listed = await cli(['versions', 'list', name, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  it('exits 1 with the reason when the upload fails validation', async () => {
    const name = `cli-${uniqueSuffix()}`;
    expect((await cli(['models', 'create', name])).code).toBe(0);
    const result = await cli(['versions', 'upload', name, garbage, '--wait', '--timeout', '30']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not an ONNX model');
    expect(result.stderr).not.toContain('    at ');
    expect(result.stderr).not.toContain('\r');
  });

  it('sets aliases, shifts traffic, promotes and rolls back', async () => {
    const name = `cli-${uniqueSuffix()}`;
    expect((await cli(['models', 'create', name])).code).toBe(0);
    expect((await cli(['versions', 'upload', name, goodModel, '--wait'])).code).toBe(0);
    expect((await cli(['versions', 'upload', name, secondModel, '--wait'])).code).toBe(0);

    const champion = await cli(['alias', 'set', name, 'champion', '1', '--json', '--actor', 'ci-pipeline']);
    expect(champion.code).toBe(0);
    expect(JSON.parse(champion.stdout)).toMatchObject({ champion: { version: 1 }, challenger: null });

    const challenger = await cli(['alias', 'set', name, 'challenger', '2', '--json']);
    expect(challenger.code).toBe(0);
    expect(JSON.parse(challenger.stdout)).toMatchObject({ champion: { version: 1 }, challenger: { version: 2 } });

    const traffic = await cli(['traffic', name, '25', '--json']);
    expect(traffic.code).toBe(0);
    expect(JSON.parse(traffic.stdout)).toMatchObject({ challenger: { version: 2 }, challenger_percent: 25 });

    const shown = await cli(['deployment', name]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('challenger: v2 (25% of traffic)');

    const promoted = await cli(['promote', name, '--reason', 'better rmse', '--json']);
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ champion: { version: 2 }, challenger: null, challenger_percent: 0 });

    const rolledBack = await cli(['rollback', name, '--reason', 'alerts', '--json']);
    expect(rolledBack.code).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ champion: { version: 1 } });

    const deployment = await cli(['deployment', name, '--json']);
    expect(JSON.parse(deployment.stdout)).toMatchObject({ champion: { version: 1 }, updated_by: expect.any(String) });

    const model = await cli(['models', 'get', name, '--json']);
    expect(JSON.parse(model.stdout)).toMatchObject({ name, aliases: { champion: 1 } });
  });

  it('sets, shows and clears a shadow', async () => {
    const name = `cli-${uniqueSuffix()}`;
    expect((await cli(['models', 'create', name])).code).toBe(0);
    expect((await cli(['versions', 'upload', name, goodModel, '--wait'])).code).toBe(0);
    expect((await cli(['versions', 'upload', name, secondModel, '--wait'])).code).toBe(0);

    const noChampion = await cli(['shadow', 'set', name, '2']);
    expect(noChampion.code).toBe(1);
    expect(noChampion.stderr).toMatch(/^switchyard: error \(409\): .*champion/);

    expect((await cli(['alias', 'set', name, 'champion', '1'])).code).toBe(0);
    const set = await cli(['shadow', 'set', name, '2', '--percent', '40', '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ champion: { version: 1 }, shadow: { version: 2 }, shadow_percent: 40 });
    const full = await cli(['shadow', 'set', name, '2']);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain("shadow:     v2 (copies of 100% of the champion's requests)");

    const shown = await cli(['shadow', 'show', name]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${name} shadow: v2 at 100% of the champion's requests`);
    expect(shown.stdout).toContain('no shadow answers logged in the window');
    expect(JSON.parse((await cli(['shadow', 'show', name, '--json'])).stdout)).toMatchObject({ model: name, shadow: { version: 2 }, shadow_percent: 100, report: null });

    const cleared = await cli(['shadow', 'clear', name, '--json']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ shadow: null, shadow_percent: 0 });
    const again = await cli(['shadow', 'clear', name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/error \(404\)/);
  });

  it('tags, searches, reviews versions, and manages keys and webhooks', async () => {
    const name = `cli-team-${uniqueSuffix()}`;
    expect((await cli(['models', 'create', name])).code).toBe(0);
    expect((await cli(['versions', 'upload', name, goodModel, '--metrics', 'rmse=0.4', '--wait'])).code).toBe(0);
    expect((await cli(['versions', 'upload', name, secondModel, '--metrics', 'rmse=0.2', '--wait'])).code).toBe(0);

    const tagged = await cli(['versions', 'tag', name, '2', 'team=risk', 'stage=dev']);
    expect(tagged).toMatchObject({ code: 0, stdout: `${name} v2 tags: team=risk stage=dev\n` });
    expect((await cli(['versions', 'tag', name, '2', '--remove', 'stage'])).stdout).toBe(`${name} v2 tags: team=risk\n`);
    const found = await cli(['versions', 'search', name, '--status', 'ready', '--where', 'rmse<0.3', '--tag', 'team=risk', '--json']);
    expect(JSON.parse(found.stdout).items.map((v: { version: number }) => v.version)).toEqual([2]);
    const ordered = await cli(['versions', 'search', name, '--order-by', 'metric.rmse', '--asc', '--json']);
    expect(JSON.parse(ordered.stdout).items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const badFilter = await cli(['versions', 'search', name, '--order-by', 'size']);
    expect(badFilter.code).toBe(1);
    expect(badFilter.stderr).toMatch(/error \(400\).*order_by/);

    // The uploads were the admin key's: an approver key of its own reviews them.
    const created = await cli(['keys', 'create', 'reviewer', '--role', 'approver', '--json']);
    expect(created.code).toBe(0);
    const reviewer = JSON.parse(created.stdout);
    expect(reviewer.roles).toEqual(['approver']);
    const approved = await cli(['versions', 'approve', name, '2', '--reason', 'better rmse'], { SWITCHYARD_API_KEY: reviewer.key });
    expect(approved).toMatchObject({ code: 0, stdout: `${name} v2 approved by key:${reviewer.id} (reviewer)\n` });
    const own = await cli(['versions', 'reject', name, '1', '--reason', 'mine']);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/error \(403\)/);
    expect((await cli(['keys', 'list'])).stdout).toContain(`${reviewer.id}\treviewer\tapprover`);
    expect((await cli(['keys', 'revoke', reviewer.id])).code).toBe(0);
    expect((await cli(['versions', 'reject', name, '1', '--reason', 'late'], { SWITCHYARD_API_KEY: reviewer.key })).code).toBe(1);

    const refused = await cli(['webhooks', 'create', 'http://127.0.0.1:9/hook', '--event', 'version.ready']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error \(400\).*url/);
    const hook = await cli(['webhooks', 'create', 'https://93.184.216.34/hook', '--event', 'deployment.changed', '--model', name, '--json']);
    expect(hook.code).toBe(0);
    const { id } = JSON.parse(hook.stdout);
    expect((await cli(['webhooks', 'list'])).stdout).toContain(`${id}\thttps://93.184.216.34/hook\tdeployment.changed\tmodel: ${name}`);
    expect((await cli(['webhooks', 'deliveries', id])).stdout).toBe('(no deliveries)\n');
    const moved = await cli(['webhooks', 'update', id, '--url', 'https://93.184.216.35/hook', '--every-model']);
    expect(moved.stdout).toBe(`updated webhook ${id} → https://93.184.216.35/hook (deployment.changed)\n`);
    const rotated = await cli(['webhooks', 'update', id, '--rotate-secret']);
    expect(rotated.stdout).toMatch(/^whsec_[A-Za-z0-9+/]+=*\n$/);
    expect(rotated.stderr).toContain('the new signing secret above is shown only now; the old one also signs deliveries until 20');
    const atOnce = await cli(['webhooks', 'update', id, '--rotate-secret', '--secret-overlap-seconds', '0', '--json']);
    expect(JSON.parse(atOnce.stdout)).toMatchObject({ id, secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: null });
    expect((await cli(['webhooks', 'update', id, '--rotate-secret', '--secret-overlap-seconds', '-1'])).code).toBe(2);
    expect((await cli(['webhooks', 'update', id, '--model', name, '--every-model'])).code).toBe(2);
    expect((await cli(['webhooks', 'delete', id])).stdout).toBe(`deleted webhook ${id}\n`);
  });

  it('shows the registry refusing a change as a clean message', async () => {
    const name = `cli-${uniqueSuffix()}`;
    expect((await cli(['models', 'create', name])).code).toBe(0);
    const again = await cli(['models', 'create', name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^switchyard: error \(409\): /);

    const missingVersion = await cli(['alias', 'set', name, 'champion', '7']);
    expect(missingVersion.code).toBe(1);
    expect(missingVersion.stderr).toMatch(/error \(4\d\d\)/);
    expect(missingVersion.stderr).not.toContain('    at ');

    const stats = await cli(['stats', `missing-${name}`]);
    expect(stats.code).toBe(1);
    expect(stats.stderr).toMatch(/^switchyard: error \(404\): /);
    expect(stats.stderr).not.toContain('    at ');
  });

  it('uploads with --input-example, and shows the warnings of a version validation could not check', async () => {
    const name = `cli-${uniqueSuffix()}`;
    expect((await cli(['models', 'create', name])).code).toBe(0);
    const padModel = path.join(dir, 'pad.onnx');
    const example = path.join(dir, 'example.json');
    await writeFile(padModel, buildReflectPad(2));
    await writeFile(example, JSON.stringify({ inputs: { x: [[1, 2, 3]] } }));
    const withExample = await cli(['versions', 'upload', name, padModel, '--input-example', example, '--wait', '--timeout', '30', '--json']);
    expect(withExample.code).toBe(0);
    expect(JSON.parse(withExample.stdout)).toMatchObject({ status: 'ready', metadata: { input_example: { inputs: { x: [[1, 2, 3]] } } }, validation: { smoke_input: 'input_example' } });

    const neverFits = path.join(dir, 'never-fits.onnx');
    await writeFile(neverFits, buildReshapeThatNeverFits());
    const warned = await cli(['versions', 'upload', name, neverFits, '--wait', '--timeout', '30']);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain(`${name} v2: ready`);
    expect(warned.stdout).toMatch(/\n {2}warnings:\n {4}- the model loads and its signature is recorded, but none of 3 synthetic inputs ran/);
    expect((await cli(['versions', 'get', name, '2'])).stdout).toContain('metadata.input_example');

    const malformed = path.join(dir, 'malformed.json');
    await writeFile(malformed, JSON.stringify({ rows: [[1, 2, 3]] }));
    const refused = await cli(['versions', 'upload', name, padModel, '--input-example', malformed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('metadata.input_example');
    expect(refused.stderr).not.toContain('    at ');
  });

  it('reports a missing file without a stack trace', async () => {
    const result = await cli(['versions', 'upload', 'any-model', path.join(dir, 'nope.onnx'), '--wait']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no such file');
    expect(result.stderr).not.toContain('    at ');
  });

  it('exits 3 when the registry cannot be reached', async () => {
    const result = await cli(['models', 'list', '--registry', 'http://127.0.0.1:9']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot reach the registry at http://127.0.0.1:9: ECONNREFUSED');
    expect(result.stderr).not.toContain('    at ');

    const uploadResult = await cli(['versions', 'upload', 'm', goodModel, '--registry', 'http://127.0.0.1:9']);
    expect(uploadResult.code).toBe(3);
    expect(uploadResult.stderr).toContain('ECONNREFUSED');
    expect(uploadResult.stderr).not.toContain('    at ');
  });

  it('exits 2 with the usage for an unknown command or a bad argument', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`switchyard: unknown command 'frobnicate'; see "switchyard --help"\n`);

    const badPercent = await cli(['traffic', 'm', 'lots']);
    expect(badPercent.code).toBe(2);

    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: switchyard');
  });
});
