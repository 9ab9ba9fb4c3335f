import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Browser } from 'playwright-core';
import { buildAffine } from '@switchyard/onnx/testing';
import { driftBin, latencyBucket } from '@switchyard/statistics';
import { launchChromium } from '../../../test/support/chromium';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';

const SCREENSHOT = path.resolve(__dirname, '..', '..', '..', 'test-output', 'dashboard.png');

/** A histogram with `count` values spread evenly between `low` and `high` (µs), in the rollup's own buckets. */
function latencies(count: number, low: number, high: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const bucket = latencyBucket(low + ((high - low) * i) / Math.max(1, count - 1));
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return counts;
}

const WARNINGS = ['none of 3 synthetic inputs ran', 'x [1, 4] (zeros): <img src=x onerror="document.body.dataset.injected=1">'];

describe('dashboard in a real browser', () => {
  let registry: RunningApp;
  let databaseUrl: string;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let model: string;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    registry = await startRegistry({ ...fileStoreEnv(), DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() });
    ({ browser, close: closeBrowser } = await launchChromium());

    model = await createModel(registry.url, 'dash');
    for (const bias of [1, 2]) await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias, features: 1 }), databaseUrl);
    await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } });
    await call(`${registry.url}/v1/models/${model}/aliases/challenger`, { method: 'PUT', json: { version: 2 } });
    const { revision } = (await call(`${registry.url}/v1/models/${model}/deployment`)).body;
    await call(`${registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 20 }, headers: { 'if-match': `"${revision}"` } });

    // Ten minutes of an 80/20 test, seeded straight into the rollups the stats read.
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      // Version 2 as validation leaves a model it could not fully check; a warning quotes markup.
      await client.query(
        `UPDATE model_versions v SET validation = $2 FROM models m WHERE v.model_id = m.id AND m.name = $1 AND v.version = 2`,
        [model, JSON.stringify({ runtime: 'onnxruntime-node', load_ms: 1, inference_ms: null, smoke_input: null, warnings: WARNINGS, validated_at: new Date().toISOString() })],
      );
      const now = Math.floor(Date.now() / 60_000) * 60_000;
      // The deployment was set up before the traffic below: the stats compare only minutes it was in force.
      await client.query(`UPDATE audit_log SET created_at = $1`, [new Date(now - 15 * 60_000).toISOString()]);
      for (let m = 10; m >= 1; m--) {
        const minute = new Date(now - m * 60_000).toISOString();
        for (const [variant, version, requests, errors, outcomeMean, low, high] of [
          ['champion', 1, 400, 2, 10, 800, 3_000],
          ['challenger', 2, 100, 1, 11, 900, 4_000],
        ] as const) {
          const outcomes = requests / 2;
          await client.query(
            `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets, output_count, output_sum, output_sum_squares, output_labels, outcome_count, outcome_sum, outcome_sum_squares, outcome_correct)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $8, $9, '{}', $10, $11, $12, 0)`,
            [model, minute, variant, version, requests, errors, JSON.stringify(latencies(requests, low, high)), requests * 2, requests * 5, outcomes, outcomes * outcomeMean, outcomes * (outcomeMean * outcomeMean + 4)],
          );
          await client.query(`INSERT INTO prediction_input_rollups (model_name, minute, variant, input, bins) VALUES ($1, $2, $3, 'x', $4)`, [
            model,
            minute,
            variant,
            JSON.stringify({ [driftBin(1)]: requests / 2, [driftBin(variant === 'champion' ? 2 : 20)]: requests / 2 }),
          ]);
        }
      }
      // Yesterday's inputs: the reference the dashboard's drift (last 24 h) is measured against.
      await client.query(`INSERT INTO prediction_input_rollups (model_name, minute, variant, input, bins) VALUES ($1, $2, 'champion', 'x', $3)`, [
        model,
        new Date(now - 30 * 3_600_000).toISOString(),
        JSON.stringify({ [driftBin(1)]: 500, [driftBin(2)]: 500 }),
      ]);
    } finally {
      await client.end();
    }
  });

  afterAll(async () => {
    await closeBrowser?.();
    await registry?.close();
    await dropIsolatedDatabase(databaseUrl);
  });

  it('shows the deployment, the verdict and the per-variant numbers the API gives, with charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Anything the page's Content-Security-Policy blocks is reported on the console.
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) blocked.push(message.text());
    });
    // The operator's key, as if typed into the page's key field (the page keeps it for the tab).
    await page.addInitScript((key) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('switchyard-key', key), process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY!);
    // The API is asked about the window the page asked about: the verdict names its minutes, so a
    // window of the test's own could differ from the page's when a minute turns between the two.
    const pageStats = page.waitForRequest((request) => request.url().startsWith(`${registry.url}/v1/models/${model}/stats?`), { timeout: 15_000 });
    await page.goto(`${registry.url}/dashboard#model=${model}`);
    await page.waitForSelector(`body[data-loaded="${model}"]`, { timeout: 15_000 });

    const stats = (await call((await pageStats).url())).body;
    const text = (testid: string) => page.locator(`[data-testid="${testid}"]`).innerText();

    expect(await text('champion')).toBe('v1');
    expect(await text('challenger')).toBe('v2');
    expect(await text('split')).toBe('20 %');
    expect(await text('verdict')).toBe(stats.verdict.summary);
    for (const variant of stats.variants) {
      const name = variant.variant as string;
      expect(await text(`requests-${name}`)).toBe(String(variant.requests));
      expect(await text(`error-rate-${name}`)).toBe(`${(variant.error_rate * 100).toFixed(2)} %`);
      expect(await text(`p99-${name}`)).toBe(variant.latency_ms.p99.toFixed(2));
      expect(await text(`outcome-${name}`)).toBe(variant.outcome.mean.toFixed(4));
      expect(await text(`outcomes-${name}`)).toBe(String(variant.outcome.count));
      expect(await text(`drift-${name}`)).toBe(variant.drift[0].psi.toFixed(3));
    }
    expect(stats.variants.map((v: { requests: number }) => v.requests)).toEqual([4000, 1000]);
    expect(await text('status-v2')).toBe('ready');
    expect(await text('validation-v2')).toBe(`ready with warnings:\n${WARNINGS.join('\n')}`);
    expect(await page.locator('#versions img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.injected)).toBeUndefined();
    expect(await text('difference')).toContain(stats.comparison.outcome.difference.toFixed(4));
    expect(await text('srm')).toContain(stats.comparison.sample_ratio.mismatch ? 'MISMATCH' : 'ok');
    expect(await text('compared-window')).toContain(`${stats.comparison.window.minutes} min while both were live`);
    expect(await text('quality')).toBe('no ground-truth labels yet');
    // Three charts were drawn by Chart.js (a canvas it owns has a chart instance attached).
    const drawn = await page.evaluate(() => {
      const chart = (globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart;
      return ['traffic-chart', 'latency-chart', 'outcome-chart'].filter((id) => chart.getChart(id));
    });
    expect(drawn).toEqual(['traffic-chart', 'latency-chart', 'outcome-chart']);
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('serves the page itself without data and Chart.js from the installed package', async () => {
    const html = await fetch(`${registry.url}/dashboard`);
    expect(html.headers.get('content-type')).toContain('text/html');
    // Scripts from this origin only, and no page may frame it.
    const policy = (html.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());
    expect(policy).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"]));
    expect(policy.join(';')).not.toContain('unsafe-');
    expect(html.headers.get('x-frame-options')).toBe('DENY');
    const script = await fetch(`${registry.url}/dashboard/chart.umd.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('Chart.js');
  });
});
