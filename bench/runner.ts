import { mkdir } from 'node:fs/promises';
import { Baselines } from './baselines';
import type { ProfileSummary } from './cpu-profile';
import type { LoadSpec } from './load';
import { buildModels, HEAVY, HEAVY_PREDICT_BODY, LIGHT, LIGHT_PREDICT_BODY, ROUTING_KEYS } from './models';
import type { Options } from './options';
import { type ScenarioRecord, verdictOf } from './record';
import { describeMachine, printHeader, printReport, writeResults } from './report';
import { EXECUTION_ORDER, SCENARIOS } from './scenarios';
import { SystemUnderTest } from './system';

/** One scenario of the table; each lives in bench/scenarios/<id>-<name>.ts and is listed in bench/scenarios/index.ts. */
export interface Scenario {
  id: number;
  name: string;
  /** The table's row when the scenario could not complete. */
  title: string;
  /** Runs against the registry, worker and gateway; otherwise only the migrated database is there. */
  needsSystem: boolean;
  /** Reports ratios to the bare server, so the bare baseline is measured when it is selected. */
  comparesToBare?: boolean;
  /** Drives the gateways: the versions they moved to inference threads are noted after it. */
  drivesGateways?: boolean;
  /** Uses the second gateway, which is stopped after the last such scenario so later ones see one. */
  usesSecondGateway?: boolean;
  run(bench: Bench, record: ScenarioRecord): Promise<void>;
}

/**
 * One run of the bench: the options, the system it started, the baselines, and each scenario's record,
 * shared by the scenarios; `runAll` runs the selected scenarios in execution order and reports them.
 */
export class Bench {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly models = buildModels();
  readonly system: SystemUnderTest;
  readonly baselines = new Baselines();
  readonly records = new Map<number, ScenarioRecord>();
  /** Scenario 1's CPU profile of the gateway, when `--profile` asked for one. */
  profileSummary: ProfileSummary | null = null;

  constructor(readonly options: Options) {
    this.durationS = options.durationS;
    this.warmupS = options.durationS >= 5 ? 2 : Math.min(1, options.durationS / 2);
    this.connections = options.connections;
    this.system = new SystemUnderTest(this.models, options.profileDir !== null && this.selected(1) ? options.profileDir : null);
  }

  selected(id: number): boolean {
    return this.options.only.includes(id);
  }

  /** Scenario 1's load: light predictions at `--connections`, every request with its own routing key. */
  spec(label: string, url: string, overrides: Partial<LoadSpec> = {}): LoadSpec {
    return {
      label,
      url,
      path: `/v1/models/${LIGHT}/predict`,
      method: 'POST',
      body: LIGHT_PREDICT_BODY,
      routingKeys: ROUTING_KEYS,
      connections: this.connections,
      durationS: this.durationS,
      warmupS: this.warmupS,
      ...overrides,
    };
  }

  heavySpec(label: string, connections: number): LoadSpec {
    return this.spec(label, this.system.gateways[0].url, { path: `/v1/models/${HEAVY}/predict`, body: HEAVY_PREDICT_BODY, connections });
  }

  cleanup(): Promise<void> {
    return this.system.cleanup();
  }

  private async runScenario(scenario: Scenario): Promise<void> {
    const { id, name, title } = scenario;
    const record: ScenarioRecord = { id, name, rows: [], checks: [], verdict: 'n/a', failures: [], notes: [], runs: {}, extra: {} };
    this.records.set(id, record);
    const started = Date.now();
    process.stderr.write(`scenario ${id} (${name}) …`);
    try {
      await scenario.run(this, record);
      record.verdict = verdictOf(record.checks);
      if (this.system.gateways.length && scenario.drivesGateways) {
        // The gateway decides per version, from a warm-up timing, whether it runs inline or in inference
        // threads; a light version in threads changes every figure, so it is reported.
        const offloaded = await this.system.offloaded();
        record.extra.offloaded_versions = offloaded;
        const lightOffloaded = Object.entries(offloaded).filter(([, versions]) => versions.some((v) => v.startsWith(`${LIGHT} `)));
        if (lightOffloaded.length) {
          record.notes.push(`light versions running in inference threads (gateway's warm-up timing said > GATEWAY_OFFLOAD_ABOVE_MS): ${lightOffloaded.map(([replica, v]) => `${replica}: ${v.filter((x) => x.startsWith(LIGHT)).join(', ')}`).join('; ')}`);
        }
      }
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      record.verdict = 'ERROR';
      record.failures.push(`scenario ${id} did not complete: ${record.error.split('\n')[0]}`);
      record.rows.push({ id: String(id), scenario: title, figure: '—', p50: '—', p99: '—', non2xx: '—', errors: '—', cpu: '', ratio: `error: ${record.error.split('\n')[0].slice(0, 80)}`, target: '', verdict: 'ERROR' });
    }
    process.stderr.write(` ${record.verdict} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }

  /** Runs the selected scenarios and reports them; the exit code is 1 when a request that should have been served was not. */
  async runAll(): Promise<number> {
    const started = new Date();
    const machine = describeMachine();
    printHeader(machine, this);
    await mkdir(this.system.work, { recursive: true });

    const selected = EXECUTION_ORDER.map((id) => SCENARIOS.find((s) => s.id === id)!).filter((s) => this.selected(s.id));
    process.stderr.write('baselines …');
    await this.baselines.measureInProcess(this);
    if (selected.some((s) => s.comparesToBare)) await this.baselines.measureBare(this);
    process.stderr.write(' done\n');
    // Every scenario needs at least the migrated database (scenario 8 only that).
    await this.system.prepareDatabase();
    if (selected.some((s) => s.needsSystem)) {
      process.stderr.write('starting registry, worker, gateway and registering models …');
      await this.system.start();
      this.baselines.json.offloaded_at_start = await this.system.offloaded();
      process.stderr.write(' done\n');
    }
    const lastWithTwo = selected.filter((s) => s.usesSecondGateway).pop();
    for (const scenario of selected) {
      await this.runScenario(scenario);
      if (scenario === lastWithTwo) await this.system.stopSecondGateway();
    }

    const records = [...this.records.values()].sort((a, b) => a.id - b.id);
    const rows = [...this.baselines.rows, ...records.flatMap((r) => r.rows)];
    const failures = records.flatMap((r) => r.failures);
    printReport(rows, records, failures, this.profileSummary);
    const exitCode = failures.length ? 1 : 0;
    await writeResults({ started, machine, bench: this, records, rows, failures, exitCode });
    return exitCode;
  }
}
