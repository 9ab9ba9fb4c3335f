/**
 * deploy/monitoring/ checked offline: the Grafana dashboard and the Prometheus alerting rules name only
 * metrics the apps register (read from the apps' own metric classes, not from a list kept here), the
 * dashboard is a well-formed Grafana dashboard over the provisioned data source, every rule is
 * complete, and promtool (Debian's prometheus package, installed when missing) accepts the
 * configuration and passes the rules' unit tests in alerts.test.yml.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { MetricsRegistry } from '@switchyard/http';
import { GatewayMetrics } from '../apps/gateway/src/gateway-metrics';
import { InferenceThreads } from '../apps/gateway/src/sessions/inference-threads';
import { ValidationMetrics } from '../apps/worker/src/artifact-validation/validation-metrics';
import { IngestionMetrics } from '../apps/worker/src/prediction-log/ingestion-metrics';
import { commandPath, ensureDebianPackages } from './support/apt';
import { configOf } from './support/unit';

const MONITORING = path.resolve(__dirname, '..', 'deploy', 'monitoring');
const read = (file: string) => readFileSync(path.join(MONITORING, file), 'utf8');

type Obj = Record<string, any>;

/** Every series name the apps expose: each app's registry, with a histogram's _bucket, _sum and _count. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>(['up']);
  const registries: MetricsRegistry[] = [];
  const gateway = new MetricsRegistry();
  new GatewayMetrics(gateway).observeRollouts(() => []);
  new InferenceThreads(configOf({ GATEWAY_INFERENCE_THREADS: 0, GATEWAY_OFFLOAD_ABOVE_MS: 0.1 }), gateway);
  const worker = new MetricsRegistry();
  new IngestionMetrics(worker);
  new ValidationMetrics(worker);
  // The registry exports the per-route HTTP histogram and process metrics every app has.
  registries.push(gateway, worker, new MetricsRegistry());
  for (const { registry } of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

/** Metric names a PromQL expression reads (functions, keywords, labels and template variables left out). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '');
  const withoutLabels = withoutStrings.replace(/\{[^}]*\}/g, '').replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool']);
  const names = [...withoutLabels.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    // A word followed by a parenthesis is a function (rate, sum, histogram_quantile).
    .filter((match) => !withoutLabels.slice(match.index + match[0].length).trimStart().startsWith('('))
    .map((match) => match[0]);
  return [...new Set(names.filter((name) => !keywords.has(name)))];
}

describe('deploy/monitoring', () => {
  let exported: Set<string>;
  const dashboard = JSON.parse(read('grafana/dashboards/switchyard.json')) as Obj;
  const alerts = load(read('alerts.yml')) as Obj;
  const rules: Obj[] = alerts.groups.flatMap((group: Obj) => group.rules);
  const dashboardExprs: string[] = dashboard.panels.flatMap((panel: Obj) => panel.targets.map((target: Obj) => target.expr));

  beforeAll(async () => {
    exported = await exportedSeries();
  });

  it('reads metric names out of PromQL, so an unknown one is caught', () => {
    expect(metricsIn('sum by (model, le) (rate(switchyard_batch_rows_bucket{model=~"$model"}[$__rate_interval])) > 0 and on (model) up')).toEqual([
      'switchyard_batch_rows_bucket',
      'up',
    ]);
    const misspelled = 'rate(switchyard_prediction_total{status="error"}[5m])';
    expect(metricsIn(misspelled).filter((name) => !exported.has(name))).toEqual(['switchyard_prediction_total']);
  });

  it('the dashboard and the rules name only metrics the apps export', () => {
    const unknown = [...dashboardExprs, ...rules.map((rule) => rule.expr as string)].flatMap((expr) => metricsIn(expr).filter((name) => !exported.has(name)).map((name) => `${name} in ${expr}`));
    expect(unknown).toEqual([]);
  });

  it('the dashboard is a Grafana dashboard over the provisioned Prometheus, with a panel for each thing operators watch', () => {
    const datasource = (load(read('grafana/provisioning/datasources/prometheus.yml')) as Obj).datasources[0];
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(dashboard).toMatchObject({ uid: expect.stringMatching(/^[a-z0-9-]{1,40}$/), title: 'Switchyard', schemaVersion: expect.any(Number), timezone: 'browser' });
    const ids = dashboard.panels.map((panel: Obj) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels as Obj[]) {
      expect({ title: panel.title, type: panel.type, datasource: panel.datasource }).toEqual({ title: expect.any(String), type: 'timeseries', datasource: { type: 'prometheus', uid: datasource.uid } });
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      expect(panel.targets.length).toBeGreaterThan(0);
      const refIds = panel.targets.map((target: Obj) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets as Obj[]) expect(target.datasource).toEqual(panel.datasource);
    }
    // The variable every per-model query filters on.
    expect(dashboard.templating.list.map((variable: Obj) => variable.name)).toEqual(['model']);
    const reads = (metric: string) => dashboardExprs.some((expr) => metricsIn(expr).includes(metric));
    for (const metric of [
      'switchyard_predictions_total',
      'switchyard_prediction_duration_seconds_bucket',
      'switchyard_batch_rows_bucket',
      'switchyard_model_load_failures_total',
      'switchyard_prediction_log_dropped_total',
      'switchyard_rollout_state',
      'switchyard_deployment_revision',
      'switchyard_validation_jobs_total',
    ]) {
      expect({ metric, shown: reads(metric) }).toEqual({ metric, shown: true });
    }
    // Traffic and errors per variant, latency percentiles per variant.
    expect(dashboardExprs.filter((expr) => expr.includes('switchyard_predictions_total') && expr.includes('variant')).length).toBeGreaterThanOrEqual(2);
    expect(dashboardExprs.filter((expr) => expr.startsWith('histogram_quantile(0.99') && expr.includes('variant'))).toHaveLength(1);
  });

  it('every alerting rule is complete, uniquely named, and the alerts operators need are there', () => {
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity, summary: typeof rule.annotations?.summary, expr: typeof rule.expr }).toEqual({
        alert: expect.stringMatching(/^Switchyard[A-Za-z0-9]+$/),
        severity: expect.stringMatching(/^(critical|warning|info)$/),
        summary: 'string',
        expr: 'string',
      });
    }
    const watching = (metric: string) => rules.filter((rule) => metricsIn(rule.expr).includes(metric)).map((rule) => rule.alert);
    expect(watching('up')).toEqual(['SwitchyardAppDown']);
    expect(watching('switchyard_model_load_failures_total')).toEqual(['SwitchyardModelLoadFailures']);
    expect(watching('switchyard_prediction_log_dropped_total')).toEqual(['SwitchyardPredictionLogDrops']);
    expect(watching('switchyard_validation_jobs_total')).toEqual(['SwitchyardValidationFailures']);
    expect(watching('switchyard_prediction_duration_seconds_bucket')).toEqual(['SwitchyardChallengerP99AboveChampion']);
    expect(watching('switchyard_predictions_total')).toEqual(['SwitchyardChallengerErrorRateAboveChampion']);
  });

  describe('with promtool', () => {
    let promtool: string;
    const run = async (args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(promtool, args, { cwd: MONITORING, timeout: 60_000 });
        return { code: 0, output: stdout + stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? String(error)}` };
      }
    };

    beforeAll(() => {
      promtool = ensureDebianPackages('promtool', () => commandPath('promtool'), [['prometheus']], 300_000);
    }, 660_000);

    it('accepts prometheus.yml with its rule file, and the rules pass their unit tests', async () => {
      expect(await run(['check', 'config', 'prometheus.yml'])).toMatchObject({ code: 0, output: expect.stringContaining('SUCCESS') });
      expect(await run(['test', 'rules', 'alerts.test.yml'])).toMatchObject({ code: 0, output: expect.stringContaining('SUCCESS') });
    });

    it('refuses a rule whose expression does not parse', async () => {
      const work = mkdtempSync(path.join(os.tmpdir(), 'switchyard-rules-'));
      const broken = path.join(work, 'alerts.yml');
      writeFileSync(broken, read('alerts.yml').replace('increase(switchyard_model_load_failures_total[10m]) > 0', 'increase(switchyard_model_load_failures_total[10m] > 0'));
      const result = await run(['check', 'rules', broken]);
      expect(result.code).toBe(1);
      expect(result.output).toContain('SwitchyardModelLoadFailures');
    });
  });
});
