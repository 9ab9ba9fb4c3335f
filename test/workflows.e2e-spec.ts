/**
 * .github/workflows checked offline with GitHub's own workflow parser (@actions/workflow-parser, the
 * one behind the Actions language service): each file must parse and convert against the workflow
 * schema with no error, with the reusable ci.yml fetched from disk the way release.yml calls it.
 * Then what each workflow must do: ci.yml tests with PostgreSQL 15 and Redis 7 service containers
 * (health-checked) on Node 20, 22 and 24 with the npm cache, release.yml tests first and pushes the
 * image of deploy/Dockerfile, built on the current Node LTS, to GHCR.
 */
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';

const ROOT = path.resolve(__dirname, '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

type Obj = Record<string, any>;

/**
 * Every error the parser and the converter report, as "file (Line: n, Col: m): message". Local
 * reusable workflows (`uses: ./.github/workflows/x.yml`) are read from the repository unless
 * `replaced` gives their content.
 */
async function workflowErrors(name: string, content: string, replaced: Record<string, string> = {}): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) return errors.length > 0 ? errors : [`${name}: empty workflow`];
  const localFiles = {
    getFileContent: async (ref: { path: string }) => ({ name: ref.path, content: replaced[ref.path] ?? readFileSync(path.join(ROOT, ref.path), 'utf8') }),
  };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, localFiles, { fetchReusableWorkflowDepth: 1 });
  // The converter reports its errors in the context and in the template: the same lines twice.
  return [...new Set([...parsed.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)])];
}

const read = (file: string) => readFileSync(path.join(WORKFLOWS, file), 'utf8');
const steps = (job: Obj): Obj[] => job.steps ?? [];
const uses = (job: Obj, action: string) => steps(job).find((s) => typeof s.uses === 'string' && s.uses.split('@')[0] === action);

describe('.github/workflows', () => {
  it.each(readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)))('%s passes the GitHub Actions workflow schema', async (file) => {
    expect(await workflowErrors(file, read(file))).toEqual([]);
  });

  it('the check catches a misspelled key, a missing required key, an unknown trigger, a bad value and an uncallable workflow', async () => {
    const ci = read('ci.yml');
    expect(await workflowErrors('ci.yml', ci.replace('runs-on:', 'runs_on:'))).toEqual(
      expect.arrayContaining([expect.stringContaining("Unexpected value 'runs_on'"), expect.stringContaining('Required property is missing: runs-on')]),
    );
    expect(await workflowErrors('ci.yml', ci.replace('  pull_request:', '  pull_requests:'))).toEqual([expect.stringContaining("Unexpected value 'pull_requests'")]);
    expect(await workflowErrors('ci.yml', ci.replace('timeout-minutes: 45', 'timeout-minutes: soon'))).not.toEqual([]);
    const uncallable = { '.github/workflows/ci.yml': ci.replace('  workflow_call:\n', '') };
    expect(await workflowErrors('release.yml', read('release.yml'), uncallable)).toEqual([expect.stringContaining('workflow_call key is not defined')]);
  });

  describe('ci.yml', () => {
    const ci = load(read('ci.yml')) as Obj;
    const job = ci.jobs.test as Obj;

    it('runs on push and pull requests, and can be called by release.yml', () => {
      expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    });

    it('has PostgreSQL 15 and Redis 7 as health-checked service containers, reached by the tests', () => {
      expect(job.services.postgres.image).toBe('postgres:15');
      expect(job.services.redis.image).toBe('redis:7');
      for (const service of Object.values<Obj>(job.services)) expect(service.options).toMatch(/--health-cmd .+--health-interval/s);
      // The Jest global setup reads these (test/support/global-setup.ts); in a container job the
      // services answer under their names.
      expect(job.env).toMatchObject({ TEST_DATABASE_BASE_URL: 'postgres://postgres@postgres:5432/postgres', TEST_REDIS_URL: 'redis://redis:6379/0' });
      expect(job.services.postgres.env.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    });

    it('installs with npm ci on Node 20, 22 and 24 with the npm cache, then runs npm test', () => {
      expect(job.strategy.matrix.node).toEqual([20, 22, 24]);
      expect(job.container.image).toBe('node:${{ matrix.node }}-bookworm');
      expect(uses(job, 'actions/setup-node')?.with).toEqual({ 'node-version': '${{ matrix.node }}', cache: 'npm' });
      const commands = steps(job).map((s) => s.run).filter(Boolean);
      expect(commands.indexOf('npm ci')).toBeGreaterThan(-1);
      expect(commands.indexOf('npm test')).toBeGreaterThan(commands.indexOf('npm ci'));
      expect(job['timeout-minutes']).toBeGreaterThan(0);
    });
  });

  describe('release.yml', () => {
    const release = load(read('release.yml')) as Obj;

    it('runs on v* tags, tests first with ci.yml, then builds and pushes deploy/Dockerfile to GHCR', () => {
      expect(release.on).toEqual({ push: { tags: ['v*'] } });
      expect(release.jobs.test.uses).toBe('./.github/workflows/ci.yml');
      const image = release.jobs.image as Obj;
      expect(image.needs).toBe('test');
      expect(image.permissions).toEqual({ contents: 'read', packages: 'write' });

      expect(uses(image, 'docker/login-action')?.with).toMatchObject({ registry: 'ghcr.io', password: '${{ secrets.GITHUB_TOKEN }}' });
      const meta = uses(image, 'docker/metadata-action')!;
      expect(meta.with.images).toBe('ghcr.io/${{ github.repository }}');
      const build = uses(image, 'docker/build-push-action')!;
      expect(build.with).toMatchObject({
        context: '.',
        file: 'deploy/Dockerfile',
        push: true,
        tags: `\${{ steps.${meta.id}.outputs.tags }}`,
        labels: `\${{ steps.${meta.id}.outputs.labels }}`,
      });
      expect(existsSync(path.join(ROOT, build.with.file))).toBe(true);
      // Login and metadata come before the push.
      const order = ['docker/login-action', 'docker/metadata-action', 'docker/build-push-action'].map((a) => steps(image).indexOf(uses(image, a)!));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('builds the image on the current Node LTS, with onnxruntime-node kept from downloading CUDA files', () => {
      const dockerfile = readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
      expect(dockerfile).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
      const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      expect(manifest.allowScripts['onnxruntime-node']).toBe(false);
    });
  });
});
