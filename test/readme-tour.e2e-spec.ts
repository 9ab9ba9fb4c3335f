/**
 * The README's five-minute tour, run as written: every ```bash block under "## A five-minute tour" is
 * taken from README.md itself and run in order, in one bash (so variables carry over, as in the
 * reader's terminal), with `set -euo pipefail`: any curl -fsS that gets a non-2xx fails the run.
 * The system is `npm start` on free ports with a database and Redis prefix of its own; the tour's own
 * variables point at it (REGISTRY, GATEWAY, TOUR), which is how a reader would aim it elsewhere too.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runBash, type RunningSystem, startSystem } from './support/running-system';
import { testRun } from './support/test-env';

const ROOT = path.resolve(__dirname, '..');
const TOUR_HEADING = '## A five-minute tour';

/** The fenced bash blocks of one level-2 section, in order. */
function tourBlocks(readme: string): string[] {
  const start = readme.indexOf(`\n${TOUR_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${TOUR_HEADING}" section`);
  const rest = readme.slice(start + TOUR_HEADING.length + 2);
  const section = rest.slice(0, rest.search(/^## /m) >= 0 ? rest.search(/^## /m) : undefined);
  return [...section.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

describe('README.md: the five-minute tour', () => {
  const blocks = tourBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  let system: RunningSystem;
  let run: { code: number | null; output: string };

  beforeAll(async () => {
    system = await startSystem();
    const script = ['set -euo pipefail', ...blocks].join('\n');
    // As the README's defaults are written: host:port, no scheme.
    run = await runBash(
      { text: script },
      { REGISTRY: system.registry.replace('http://', ''), GATEWAY: system.gateway.replace('http://', ''), TOUR: mkdtempSync(path.join(testRun().workDir, 'tour-')), SWITCHYARD_API_KEY: process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY! },
      120_000,
    );
  }, 240_000);

  afterAll(async () => {
    await system?.close();
  });

  it('starts with the two commands, then the tour before the compose and Kubernetes paths', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock.split('\n').filter(Boolean).map((line) => line.split('#')[0].trim())).toEqual(['npm ci', 'npm start']);
    const headings = [...readme.matchAll(/^## .*$/gm)].map((m) => m[0]);
    expect(headings.slice(0, 4)).toEqual(['## Start', TOUR_HEADING, '## Containers: docker compose', '## Kubernetes']);
  });

  it('covers the whole tour: register, upload, promote, split, predict, feedback, stats, dashboard', () => {
    const tour = blocks.join('\n');
    for (const call of ['/v1/models"', '/versions"', '/aliases/champion', '/traffic', '/predict', '/v1/feedback', '/stats', '/dashboard']) expect(tour).toContain(call);
  });

  it('runs every block in order without a failed call', () => {
    expect({ code: run.code, output: run.code === 0 ? '' : `${run.output}\n--- npm start:\n${system.output()}` }).toEqual({ code: 0, output: '' });
  });

  it('shows what the prose says: champion v1, a sticky split with the challenger v2, the pinned request id, the promotion', () => {
    expect(run.output).toContain('"version":1,"variant":"champion"');
    expect(run.output).toContain('"version":2,"variant":"challenger","request_id":"tour-1"');
    const routed = [...run.output.matchAll(/"variant":"(champion|challenger)"/g)].map((m) => m[1]);
    expect(routed.length).toBeGreaterThanOrEqual(21);
    // The outcome was accepted (the block retries while the prediction is not logged yet).
    expect(run.output).toMatch(/\{"request_id":"tour-1"[^}]*"value":1[^}]*"accepted_at"/);
    // The stats answer the tour's traffic: both variants, a verdict in words.
    expect(run.output).toMatch(/"variants":\[\{"variant":"champion"/);
    expect(run.output).toContain('"verdict":{"decision"');
    // KServe's v1 protocol answers the same model with predictions only.
    expect(run.output).toMatch(/\{"predictions":\[\[\d/);
    // The audit log, last, records the promotion.
    expect(run.output.slice(run.output.lastIndexOf('"items"'))).toContain('promote');
  });
});
