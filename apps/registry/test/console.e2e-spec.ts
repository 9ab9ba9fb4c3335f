/**
 * The operator's console in Debian's Chromium: changes made through it (with If-Match), a stale tab's
 * conflict, what a viewer's key may not do, markup from the API shown as text, charts on a real time
 * axis in the viewer's zone, and the model page's load time with 50 models of 200 versions.
 * Screenshots go to test-output/console/ (gitignored).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildAffine } from '@switchyard/onnx/testing';
import { launchChromium } from '../../../test/support/chromium';
import { call, expectProblem, testAdminKey } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { createKey, type TestKey } from '../../../test/support/keys';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';
import { waitFor } from '../../../test/support/unit';

const SCREENSHOTS = path.resolve(__dirname, '..', '..', '..', 'test-output', 'console');
/** The page's document, as much of it as the tests read inside the browser (this project compiles without the DOM library). */
interface PageDocument {
  document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): { length: number } };
}

const PAYLOAD = '<img src=x onerror="document.body.dataset.injected=1"><script>document.body.dataset.injected=2</script>';

describe('operator console in a real browser', () => {
  let registry: RunningApp;
  let redisPrefix: string;
  let databaseUrl: string;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let operator: TestKey;
  let viewer: TestKey;
  let model: string;
  const contexts: BrowserContext[] = [];

  const url = (name: string, suffix = '') => `${registry.url}/v1/models/${name}${suffix}`;
  const deployment = async (name: string) => (await call(url(name, '/deployment'))).body;
  const auditCount = async (name: string) => (await call(url(name, '/audit?limit=200'))).body.items.length;

  /** A models with v1 champion, v2 challenger at `percent`, v3 ready. */
  async function experiment(prefix: string, percent: number, description?: string): Promise<string> {
    const name = await createModel(registry.url, prefix);
    if (description !== undefined) expect((await call(url(name), { method: 'PATCH', json: { description } })).status).toBe(200);
    for (const bias of [1, 2, 3]) await uploadReadyVersion(registry.url, name, buildAffine({ scale: 1, bias, features: 1 }), databaseUrl);
    await call(url(name, '/aliases/champion'), { method: 'PUT', json: { version: 1 } });
    await call(url(name, '/aliases/challenger'), { method: 'PUT', json: { version: 2 } });
    const { revision } = await deployment(name);
    expect((await call(url(name, '/traffic'), { method: 'PUT', json: { challenger_percent: percent }, headers: { 'if-match': `"${revision}"` } })).status).toBe(200);
    return name;
  }

  /** A tab with `key` typed into the page, on `name`'s page once it has loaded. */
  async function openConsole(key: string, name: string, options: { timezoneId?: string } = {}): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) errors.push(message.text());
    });
    await page.addInitScript((k) => (globalThis as unknown as { sessionStorage: { setItem(a: string, b: string): void } }).sessionStorage.setItem('switchyard-key', k), key);
    await page.goto(`${registry.url}/dashboard#model=${name}`);
    await page.waitForSelector(`body[data-loaded="${name}"]`, { timeout: 30_000 });
    return { page, errors };
  }

  const text = (page: Page, testid: string) => page.locator(`[data-testid="${testid}"]`).innerText();
  const screenshot = async (page: Page, name: string) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  };
  const injected = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.injected);

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    redisPrefix = isolatedRedisPrefix();
    registry = await startRegistry({ ...fileStoreEnv(), DATABASE_URL: databaseUrl, REDIS_PREFIX: redisPrefix });
    ({ browser, close: closeBrowser } = await launchChromium());
    operator = await createKey(registry.url, ['operator'], { name: 'olga' });
    viewer = await createKey(registry.url, ['viewer'], { name: 'victor' });
    model = await experiment('console', 10);
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await closeBrowser?.();
    await registry?.close();
    await dropIsolatedDatabase(databaseUrl);
  });

  describe('GET /v1/keys/me', () => {
    it("tells a key its roles, what they amount to, and its models; never a secret", async () => {
      const limited = await createKey(registry.url, ['publisher'], { models: [model] });
      expect((await call(`${registry.url}/v1/keys/me`, { key: operator.key })).body).toEqual({
        auth_enabled: true, id: operator.id, name: 'olga', roles: ['operator'], effective_roles: ['viewer', 'approver', 'publisher', 'operator'], models: null,
      });
      expect((await call(`${registry.url}/v1/keys/me`, { key: limited.key })).body).toMatchObject({ roles: ['publisher'], effective_roles: ['viewer', 'publisher'], models: [model] });
      const admin = (await call(`${registry.url}/v1/keys/me`, { key: testAdminKey() })).body;
      expect(admin.effective_roles).toEqual(['predict', 'viewer', 'approver', 'publisher', 'operator', 'admin']);
      // The secret is everything after `sy_<id>_` (it may itself hold underscores).
      expect(JSON.stringify(admin)).not.toContain(testAdminKey().slice('sy_'.length + 12 + 1));
    });

    it('refuses a key that may not read the registry (403) and no key (401)', async () => {
      const predictOnly = await createKey(registry.url, ['predict']);
      expect(expectProblem(await call(`${registry.url}/v1/keys/me`, { key: predictOnly.key }), 403).required_role).toBe('viewer');
      expectProblem(await call(`${registry.url}/v1/keys/me`, { key: null }), 401);
    });
  });

  it('an operator moves the challenger from 10 % to 30 %: the revision rises by exactly one', async () => {
    const before = await deployment(model);
    const audited = await auditCount(model);
    const { page, errors } = await openConsole(operator.key, model);
    expect(await text(page, 'split')).toBe('10 %');
    expect(await page.locator('#weight-value').inputValue()).toBe('10');
    expect(await text(page, 'role')).toBe('olga: operator');

    await page.locator('#weight-value').fill('30');
    await page.locator('#weight-apply').click();
    await page.waitForSelector(`body[data-revision="${before.revision + 1}"]`, { timeout: 30_000 });

    const after = await deployment(model);
    expect({ revision: after.revision, challenger_percent: after.challenger_percent }).toEqual({ revision: before.revision + 1, challenger_percent: 30 });
    expect(await auditCount(model)).toBe(audited + 1);
    const [entry] = (await call(url(model, '/audit?limit=1'))).body.items;
    expect(entry).toMatchObject({ action: 'traffic.set', actor: `key:${operator.id} (olga)`, before: { challenger_percent: 10 }, after: { challenger_percent: 30 } });
    expect(await text(page, 'split')).toBe('30 %');
    expect(await page.locator('[data-testid="audit-entry"]').first().innerText()).toContain('share 10 % → 30 %');
    expect(errors).toEqual([]);
    await screenshot(page, 'operator-moved-weight');
  });

  it("a second tab's stale change shows what changed, offers to reload, and changes nothing", async () => {
    const name = await experiment('stale', 10);
    const start = await deployment(name);
    const first = await openConsole(operator.key, name);
    const second = await openConsole(operator.key, name);
    // The second operator begins an edit on what both tabs show…
    await second.page.locator('#weight-value').fill('50');
    // …while the first applies another change.
    await first.page.locator('#weight-value').fill('40');
    await first.page.locator('#weight-apply').click();
    await first.page.waitForSelector(`body[data-revision="${start.revision + 1}"]`, { timeout: 30_000 });
    const audited = await auditCount(name);

    await second.page.locator('#weight-apply').click();
    await second.page.waitForSelector('#conflict:not([hidden])', { timeout: 30_000 });
    expect(await text(second.page, 'conflict-text')).toContain(`revision ${start.revision} → ${start.revision + 1}`);
    const changes = await second.page.locator('#conflict-changes tbody tr').allInnerTexts();
    expect(changes).toEqual(expect.arrayContaining(['challenger share\t10 %\t40 %', `revision\t${start.revision}\t${start.revision + 1}`]));
    expect(changes.join('\n')).toContain('olga');
    // Nothing changed: the first tab's 40 % stands, with its revision and no new audit entry.
    const now = await deployment(name);
    expect({ revision: now.revision, challenger_percent: now.challenger_percent }).toEqual({ revision: start.revision + 1, challenger_percent: 40 });
    expect(await auditCount(name)).toBe(audited);
    await screenshot(second.page, 'stale-tab-conflict');

    await second.page.locator('#conflict-reload').click();
    await second.page.waitForSelector(`#conflict[hidden]`, { state: 'attached', timeout: 30_000 });
    await second.page.waitForSelector(`body[data-revision="${start.revision + 1}"]`, { timeout: 30_000 });
    expect(await second.page.locator('#weight-value').inputValue()).toBe('40');
    expect(await text(second.page, 'split')).toBe('40 %');
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('a viewer sees the controls disabled, saying which role they need', async () => {
    const { page, errors } = await openConsole(viewer.key, model);
    for (const id of ['weight', 'weight-value', 'weight-apply', 'challenger-version', 'set-challenger', 'promote', 'rollback', 'g-error', 'guardrail-save', 'guardrail-remove']) {
      expect({ id, disabled: await page.locator(`#${id}`).isDisabled() }).toEqual({ id, disabled: true });
    }
    expect(await page.locator('#weight-apply').getAttribute('title')).toBe('needs the operator role (this key: viewer)');
    expect(await text(page, 'controls-note')).toBe('Read only: needs the operator role (this key: viewer).');
    // It still reads everything a viewer may.
    expect(await text(page, 'champion')).toBe('v1');
    expect(await page.locator('[data-testid="audit-entry"]').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await screenshot(page, 'viewer-read-only');
  });

  it('renders a description and a reason that are HTML/JS payloads as text, running nothing', async () => {
    const name = await experiment('xss', 10, PAYLOAD);
    const { page, errors } = await openConsole(operator.key, name);
    expect(await text(page, 'description')).toBe(PAYLOAD);
    expect(await page.locator('#description *').count()).toBe(0);
    expect(await page.locator('section img, section script').count()).toBe(0);

    // Set challenger asks for a confirmation and a reason: cancelling changes nothing…
    const before = await deployment(name);
    await page.locator('#challenger-version').selectOption('3');
    await page.locator('#set-challenger').click();
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, 'confirm-text')).toBe('Make v3 the challenger (at the current share, 10 %)?');
    await page.locator('#confirm-cancel').click();
    expect((await deployment(name)).revision).toBe(before.revision);
    // …confirming writes it, with the reason (here markup too) in the audit log.
    await page.locator('#set-challenger').click();
    await page.locator('#confirm-reason').fill(PAYLOAD);
    await page.locator('#confirm-ok').click();
    await page.waitForSelector(`body[data-revision="${before.revision + 1}"]`, { timeout: 30_000 });
    expect(await deployment(name)).toMatchObject({ challenger: { version: 3 }, revision: before.revision + 1 });
    const [entry] = (await call(url(name, '/audit?limit=1'))).body.items;
    expect(entry).toMatchObject({ action: 'alias.set', reason: PAYLOAD });
    expect(await page.locator('[data-testid="audit-reason"]').first().innerText()).toBe(PAYLOAD);
    expect(await page.locator('section img, section script').count()).toBe(0);
    expect(await injected(page)).toBeUndefined();
    expect(errors).toEqual([]);
    await screenshot(page, 'markup-as-text');
  });

  it('refuses an alias reason that is not a string, changing nothing', async () => {
    const before = await deployment(model);
    const problem = expectProblem(await call(url(model, '/aliases/challenger'), { method: 'PUT', json: { version: 3, reason: 42 } }), 400);
    expect([...new Set(problem.errors.map((e: { field: string }) => e.field))]).toEqual(['reason']);
    expect((await deployment(model)).revision).toBe(before.revision);
  });

  it('promote asks for a confirmation and records the reason', async () => {
    const name = await experiment('promote', 10);
    const { page, errors } = await openConsole(operator.key, name);
    await page.locator('#promote').click();
    expect(await text(page, 'confirm-text')).toContain('Promote challenger v2 to champion');
    await page.locator('#confirm-reason').fill('wins on error rate');
    await page.locator('#confirm-ok').click();
    await page.waitForFunction((n) => (globalThis as unknown as PageDocument).document.querySelector('[data-testid="champion"]')?.textContent === n, 'v2', { timeout: 30_000 });
    expect(await deployment(name)).toMatchObject({ champion: { version: 2 }, challenger: null, previous_champion: { version: 1 } });
    expect((await call(url(name, '/audit?limit=1'))).body.items[0]).toMatchObject({ action: 'promote', reason: 'wins on error rate' });
    // Without a challenger the share and promote are disabled; rollback is offered.
    expect(await page.locator('#promote').isDisabled()).toBe(true);
    expect(await page.locator('#weight-apply').isDisabled()).toBe(true);
    expect(await page.locator('#rollback').isDisabled()).toBe(false);
    expect(errors).toEqual([]);
  });

  it("shows each gateway replica's rollout row as the registry reports it", async () => {
    const name = await experiment('rollout', 10);
    const gateway = await startGateway({
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: redisPrefix,
      REGISTRY_URL: registry.url,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `console-gateway-${uniqueSuffix()}`),
      GATEWAY_REPLICA_ID: 'console-replica-1',
      DEPLOYMENT_POLL_MS: '500',
    });
    try {
      const { revision } = await deployment(name);
      await waitFor(
        async () => (await deployment(name)).rollout.some((r: { replica: string; state: string; serving_revision: number }) => r.replica === 'console-replica-1' && r.state === 'serving' && r.serving_revision === revision),
        'the gateway reports serving the deployment',
        60_000,
      );
      const { page, errors } = await openConsole(viewer.key, name);
      const rows = await page.locator('#rollout tbody tr').allInnerTexts();
      const row = rows.find((line) => line.startsWith('console-replica-1'));
      expect(row?.split('\t').slice(0, 6)).toEqual(['console-replica-1', 'serving', String(revision), String(revision), '1', '2']);
      expect(errors).toEqual([]);
    } finally {
      await gateway.close();
    }
  });

  it('an operator sets a guardrail; a value out of range is refused with the field named, changing nothing', async () => {
    const name = await experiment('guard', 10);
    const { page, errors } = await openConsole(operator.key, name);
    await page.locator('#g-error').fill('2');
    await page.locator('#guardrail-save').click();
    await page.waitForFunction(() => ((globalThis as unknown as PageDocument).document.querySelector('#error')?.textContent ?? '').includes('max_error_rate_increase'), undefined, { timeout: 30_000 });
    expect((await call(url(name, '/guardrails'))).body.guardrail).toBeNull();

    await page.locator('#g-error').fill('0.02');
    await page.locator('#g-window').fill('30');
    await page.locator('#guardrail-save').click();
    await page.waitForFunction(() => ((globalThis as unknown as PageDocument).document.querySelector('#guardrail')?.textContent ?? '').includes('window_minutes30'), undefined, { timeout: 30_000 });
    expect((await call(url(name, '/guardrails'))).body.guardrail).toMatchObject({ max_error_rate_increase: 0.02, window_minutes: 30 });
    expect(await text(page, 'role')).toBe('olga: operator');
    expect(errors).toEqual([]);
  });

  it("draws points at their real time on an axis of the viewer's local time, one series per variant, gaps where nothing ran", async () => {
    const name = await experiment('charts', 20);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const minutes = [40, 39, 38, 3, 2, 1];
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      for (const m of minutes) {
        for (const [variant, version, requests] of [['champion', 1, 80], ['challenger', 2, 20]] as const) {
          await client.query(
            `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets, output_count, output_sum, output_sum_squares, output_labels, outcome_count, outcome_sum, outcome_sum_squares, outcome_correct)
             VALUES ($1, $2, $3, $4, $5, 0, '{}', $5, 0, 0, '{}', 0, 0, 0, 0)`,
            [name, new Date(now - m * 60_000).toISOString(), variant, version, requests],
          );
        }
      }
    } finally {
      await client.end();
    }
    // Kolkata is UTC+05:30: a local whole hour is half past a UTC hour, so UTC-labelled ticks would show.
    const { page, errors } = await openConsole(viewer.key, name, { timezoneId: 'Asia/Kolkata' });
    await page.locator('#range').selectOption('3600');
    await page.waitForFunction(() => {
      const chart = (globalThis as unknown as { Chart: { getChart(id: string): { scales: { x: { max: number; min: number } } } | undefined } }).Chart.getChart('traffic-chart');
      return chart !== undefined && chart.scales.x.max - chart.scales.x.min <= 3_600_000 + 1_000;
    }, undefined, { timeout: 30_000 });

    const drawn = await page.evaluate(() => {
      const chart = (globalThis as unknown as { Chart: { getChart(id: string): any } }).Chart.getChart('traffic-chart');
      return {
        min: chart.scales.x.min as number,
        max: chart.scales.x.max as number,
        ticks: chart.scales.x.ticks.map((t: { value: number; label: string }) => ({ value: t.value, label: t.label })),
        title: chart.options.scales.x.title.text as string,
        series: chart.data.datasets.map((d: { label: string; data: Array<{ x: number; y: number | null }> }) => ({ label: d.label, data: d.data })),
      };
    });
    // ICU may name the zone by its older alias.
    expect(drawn.title).toMatch(/^time \(Asia\/(Kolkata|Calcutta), UTC\+05:30\)$/);
    expect(await text(page, 'time-zone')).toMatch(/Asia\/(Kolkata|Calcutta), UTC\+05:30/);
    expect(drawn.max - drawn.min).toBeGreaterThan(3_590_000);
    expect(drawn.series.map((s: { label: string }) => s.label).sort()).toEqual(['challenger', 'champion']);
    for (const series of drawn.series as Array<{ label: string; data: Array<{ x: number; y: number | null }> }>) {
      // Each seeded minute at its own time, with its own count; every other minute of the hour a gap.
      const expected = series.label === 'champion' ? 80 : 20;
      const drawnPoints = series.data.filter((p) => p.y !== null);
      expect(drawnPoints).toEqual(minutes.map((m) => ({ x: now - m * 60_000, y: expected })).sort((a, b) => a.x - b.x));
      expect(series.data.filter((p) => p.y === null).length).toBeGreaterThan(30);
      // The newest point sits at the right end of the axis, not in its middle.
      expect((drawnPoints.at(-1)!.x - drawn.min) / (drawn.max - drawn.min)).toBeGreaterThan(0.9);
    }
    // Ticks at round local times, labelled in local time.
    expect(drawn.ticks.length).toBeGreaterThanOrEqual(3);
    const kolkata = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    for (const tick of drawn.ticks as Array<{ value: number; label: string }>) {
      const local = kolkata.format(new Date(tick.value));
      expect({ local, round: Number(local.slice(3)) % 10 }).toEqual({ local, round: 0 });
      expect(tick.label).toBe(local);
    }
    expect(errors).toEqual([]);
    await screenshot(page, 'charts-local-time');
  });

  it('loads a model page in a console of 50 models with 200 versions each (time logged, not asserted)', async () => {
    const prefix = `load-${uniqueSuffix()}`;
    const names = Array.from({ length: 50 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    for (const name of names) expect((await call(`${registry.url}/v1/models`, { method: 'POST', json: { name, description: `model ${name}` } })).status).toBe(201);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      // 10,000 versions written straight into the database: what the console reads, without 10,000 uploads.
      const signature = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }] });
      const metadata = JSON.stringify({ metrics: { rmse: 0.12, mae: 0.08 }, input_example: { instances: [[1, 2, 3, 4]] }, tags: { team: 'risk' } });
      await client.query(
        `INSERT INTO model_versions (model_id, version, status, sha256, size_bytes, artifact_uri, signature, metadata, created_by)
         SELECT m.id, g, 'ready', repeat('a', 64), 1024, 'file:///nowhere/' || m.name || '/' || g, $2::jsonb, $3::jsonb, 'seed'
           FROM models m, generate_series(1, 200) g WHERE m.name LIKE $1`,
        [`${prefix}-%`, signature, metadata],
      );
      await client.query(`UPDATE models SET last_version = 200 WHERE name LIKE $1`, [`${prefix}-%`]);
    } finally {
      await client.end();
    }
    const target = names[25];
    await call(url(target, '/aliases/champion'), { method: 'PUT', json: { version: 200 } });

    const timings: number[] = [];
    const firstDrawn: number[] = [];
    for (let run = 0; run < 3; run++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.addInitScript((k) => (globalThis as unknown as { sessionStorage: { setItem(a: string, b: string): void } }).sessionStorage.setItem('switchyard-key', k), viewer.key);
      await page.goto(`${registry.url}/dashboard#model=${target}`);
      await page.waitForSelector(`body[data-loaded="${target}"]`, { timeout: 60_000 });
      // Measured by the page: from the start of navigation until every section is drawn.
      timings.push(Number(await page.locator('body').getAttribute('data-first-load-ms')));
      firstDrawn.push(Number(await page.locator('body').getAttribute('data-first-model-ms')));
      const slowest = await page.evaluate(() =>
        (globalThis as unknown as { performance: { getEntriesByType(t: string): Array<{ name: string; duration: number }> } }).performance
          .getEntriesByType('resource')
          .map((entry) => `${new URL(entry.name).pathname} ${Math.round(entry.duration)} ms`)
          .join(', '),
      );
      process.stdout.write(`console load ${run + 1}: ${slowest}\n`);
      expect(await page.locator('[data-testid="model-link"]').count()).toBeGreaterThanOrEqual(50);
      expect(await page.locator('#versions tbody tr').count()).toBe(50);
      if (run === 0) {
        await page.locator('#versions-more').click();
        await page.waitForFunction(() => (globalThis as unknown as PageDocument).document.querySelectorAll('#versions tbody tr').length === 100, undefined, { timeout: 30_000 });
        await screenshot(page, 'fifty-models');
      }
      await context.close();
    }
    const line =
      `console model page, 50 models × 200 versions, 3 cold loads measured in the page from navigation: deployment, controls and versions drawn at ` +
      `${firstDrawn.join(' ms, ')} ms; every section (statistics, charts, plan, guardrail, audit, model list) drawn at ${timings.join(' ms, ')} ms`;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOTS, 'load-time.txt'), `${line}\n`);
    process.stdout.write(`${line}\n`);
    expect(timings).toHaveLength(3);
  });
});
