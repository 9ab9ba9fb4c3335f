import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAffine } from '@switchyard/onnx/testing';
import { call, testAdminKey } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { DIST } from '../../../test/support/processes';

const CLI = path.join(DIST, 'apps', 'cli', 'src', 'main.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `switchyard plan …`, compiled, against a real registry (no worker: a set plan waits at its first step). */
describe('switchyard plan (compiled CLI)', () => {
  let databaseUrl: string;
  let registry: RunningApp;
  let dir: string;
  let model: string;

  function cli(args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { ...process.env, SWITCHYARD_REGISTRY_URL: registry.url, SWITCHYARD_API_KEY: testAdminKey() }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    registry = await startRegistry({ DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), ...fileStoreEnv() });
    dir = await mkdtemp(path.join(os.tmpdir(), 'switchyard-plan-'));
    model = await createModel(registry.url, 'cli-plan');
    for (const bias of [1, 2]) await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias, features: 2 }), databaseUrl);
    for (const [alias, version] of [['champion', 1], ['challenger', 2]] as const) {
      expect((await call(`${registry.url}/v1/models/${model}/aliases/${alias}`, { method: 'PUT', json: { version } })).status).toBe(200);
    }
  });

  afterAll(async () => {
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (databaseUrl) await dropIsolatedDatabase(databaseUrl);
  });

  it('sets, shows, replaces, pauses, resumes and cancels a plan, and refuses bad plans with the field named', async () => {
    const none = await cli(['plan', 'show', model]);
    expect(none).toMatchObject({ code: 1, stderr: expect.stringContaining('error (404)') });

    const set = await cli(['plan', 'set', model, '--steps', '1,5,25', '--min-duration', '60', '--end', 'promote']);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toContain(`${model}: rollout plan set`);
    expect(set.stdout).toContain('active, step 1 of 3 (challenger 1%)');
    expect(set.stdout).toContain('[challenger 1%] → challenger 5% → challenger 25%');
    expect(set.stdout).toContain('step not applied yet');

    const file = path.join(dir, 'plan.json');
    await writeFile(file, JSON.stringify({ steps: [{ challenger_percent: 10 }, { challenger_percent: 50 }], gates: { outcome_margin: 0.02 }, end: 'hold' }));
    const replaced = await cli(['plan', 'set', model, '--file', file, '--min-requests', '50', '--json']);
    expect(replaced.code).toBe(0);
    expect(JSON.parse(replaced.stdout)).toMatchObject({
      revision: 2,
      state: 'active',
      end: 'hold',
      gates: { outcome_margin: 0.02 },
      steps: [{ challenger_percent: 10, min_requests: 50 }, { challenger_percent: 50, min_requests: 50 }],
    });

    const decreasing = await cli(['plan', 'set', model, '--steps', '25,5']);
    expect(decreasing.code).toBe(1);
    expect(decreasing.stderr).toContain('error (400)');
    expect(decreasing.stderr).toContain('steps.1.challenger_percent: steps must increase');
    const unknownGate = path.join(dir, 'unknown-gate.json');
    await writeFile(unknownGate, JSON.stringify({ steps: [{ challenger_percent: 10 }], gates: { max_cpu: 1 } }));
    expect((await cli(['plan', 'set', model, '--file', unknownGate])).stderr).toContain('gates.max_cpu');
    expect(await cli(['plan', 'set', model])).toMatchObject({ code: 2, stderr: expect.stringContaining('--steps') });
    expect(await cli(['plan', 'set', model, '--file', path.join(dir, 'missing.json')])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read --file') });

    const paused = await cli(['plan', 'pause', model, '--reason', 'weekend']);
    expect(paused).toMatchObject({ code: 0 });
    expect(paused.stdout).toContain('paused, step 1 of 2');
    expect(paused.stdout).toContain('reason:  paused by');
    expect(await cli(['plan', 'pause', model])).toMatchObject({ code: 1, stderr: expect.stringContaining('error (409)') });
    expect((await cli(['plan', 'resume', model])).stdout).toContain('active, step 1 of 2');
    expect((await cli(['plan', 'cancel', model])).stdout).toContain('cancelled');
    const shown = await cli(['plan', 'show', model, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ state: 'cancelled', revision: 5 });
    const audit = (await call(`${registry.url}/v1/models/${model}/audit?limit=200`)).body.items.map((entry: { action: string }) => entry.action);
    expect(audit.slice(0, 5)).toEqual(['rollout_plan.cancel', 'rollout_plan.resume', 'rollout_plan.pause', 'rollout_plan.set', 'rollout_plan.set']);
  });
});
