/** Human-readable formatting and the terminal progress display (stderr, TTY only). */

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} ${units[unit]}` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** `[#########-----------]  45% 4.5 MiB/10.0 MiB` — the bar is `width` characters inside the brackets. */
export function formatProgressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${formatBytes(done)}/${formatBytes(total)}`;
}

const SPINNER = ['|', '/', '-', '\\'];

/** `/ waiting for validation (pending) 12s` */
export function formatWaitLine(frame: number, label: string, elapsedMs: number): string {
  return `${SPINNER[frame % SPINNER.length]} ${label} ${formatDuration(elapsedMs)}`;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

/**
 * One status line redrawn in place with `\r`. Disabled (every call a no-op) unless the stream is a
 * terminal and the output is not machine output, so pipes and CI logs get nothing.
 */
export class StatusLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    readonly enabled: boolean,
    private readonly minIntervalMs = 100,
  ) {}

  static for(stream: ProgressStream, json: boolean): StatusLine {
    return new StatusLine(stream, Boolean(stream.isTTY) && !json);
  }

  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && this.drawn && now - this.lastDraw < this.minIntervalMs) return;
    this.lastDraw = now;
    this.drawn = true;
    const columns = this.stream.columns || 80;
    this.stream.write(`\r${text.slice(0, Math.max(10, columns - 1)).padEnd(Math.max(10, columns - 1))}`);
  }

  /** Clears the line so later output starts at column 0. */
  done(): void {
    if (!this.enabled || !this.drawn) return;
    const columns = this.stream.columns || 80;
    this.stream.write(`\r${' '.repeat(Math.max(10, columns - 1))}\r`);
    this.drawn = false;
  }
}

type Json = Record<string, any>;

export function formatSignature(signature: Json | null | undefined): string {
  if (!signature) return '  (no signature)';
  const io = (list: Json[] | undefined) =>
    (list ?? []).map((t) => `    ${t.name}: ${t.datatype} [${(t.shape as number[] | undefined)?.join(', ') ?? ''}]`).join('\n');
  return `  inputs:\n${io(signature.inputs as Json[])}\n  outputs:\n${io(signature.outputs as Json[])}`;
}

export function formatVersion(model: string, v: Json): string {
  const lines = [`${model} v${v.version}: ${v.status}${v.status_reason ? ` (${v.status_reason})` : ''}`];
  if (v.sha256) lines.push(`  sha256: ${v.sha256}`);
  if (typeof v.size_bytes === 'number') lines.push(`  size: ${formatBytes(v.size_bytes)}`);
  if (v.created_at) lines.push(`  created: ${v.created_at}${v.created_by ? ` by ${v.created_by}` : ''}`);
  if (v.status === 'ready') lines.push('  signature:', formatSignature(v.signature as Json).replace(/^/gm, '  '));
  const warnings: unknown = v.validation?.warnings;
  if (Array.isArray(warnings) && warnings.length > 0) lines.push('  warnings:', ...warnings.map((warning) => `    - ${String(warning)}`));
  return lines.join('\n');
}

export function formatVersionRow(v: Json): string {
  return [`v${v.version}`, v.status, v.sha256 ? String(v.sha256).slice(0, 12) : '', typeof v.size_bytes === 'number' ? formatBytes(v.size_bytes) : '', v.created_at ?? '']
    .join('\t')
    .trimEnd();
}

export function formatDeployment(model: string, d: Json): string {
  const champion = d.champion ? `v${d.champion.version}` : 'none';
  const challenger = d.challenger ? `v${d.challenger.version} (${d.challenger_percent}% of traffic)` : 'none';
  const lines = [`${model} deployment (revision ${d.revision ?? '?'})`, `  champion:   ${champion}`, `  challenger: ${challenger}`];
  if (d.shadow) lines.push(`  shadow:     v${d.shadow.version} (copies of ${d.shadow_percent}% of the champion's requests)`);
  if (d.updated_at) lines.push(`  updated:    ${d.updated_at}${d.updated_by ? ` by ${d.updated_by}` : ''}`);
  return lines.join('\n');
}

export function formatModel(m: Json): string {
  const lines = [`${m.name}${m.description ? ` — ${m.description}` : ''}`];
  const tags = m.tags && typeof m.tags === 'object' ? Object.entries(m.tags as Record<string, unknown>) : [];
  if (tags.length > 0) lines.push(`  tags: ${tags.map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
  const aliases = m.aliases && typeof m.aliases === 'object' ? m.aliases : undefined;
  if (aliases) {
    const entries = Array.isArray(aliases)
      ? (aliases as Json[]).map((a) => `${a.alias ?? a.name}=v${a.version}`)
      : Object.entries(aliases as Record<string, unknown>).map(([k, v]) => `${k}=v${typeof v === 'object' && v !== null ? (v as Json).version : String(v)}`);
    if (entries.length > 0) lines.push(`  aliases: ${entries.join(', ')}`);
  }
  if (m.deployment) lines.push(formatDeployment(String(m.name), m.deployment as Json).split('\n').slice(1).join('\n'));
  return lines.join('\n');
}

const stepText = (step: Json) => (step.shadow_percent !== undefined ? `shadow ${step.shadow_percent}%` : `challenger ${step.challenger_percent}%`);

/** A rollout plan as `plan show` prints it: where it stands, what it waits for, what it saw last. */
export function formatRolloutPlan(model: string, p: Json): string {
  const steps = (p.steps as Json[]) ?? [];
  const current = steps[p.current_step as number];
  const lines = [`${model} rollout plan (revision ${p.revision}): ${p.state}, step ${Number(p.current_step) + 1} of ${steps.length}${current ? ` (${stepText(current)})` : ''}`];
  lines.push(`  steps:   ${steps.map((step, i) => (i === p.current_step ? `[${stepText(step)}]` : stepText(step))).join(' → ')}`);
  if (current) lines.push(`  needs:   ${current.min_duration_seconds} s, ${current.min_requests} requests, ${current.min_outcomes} outcomes per step`);
  lines.push(
    p.step_started_at
      ? `  so far:  ${p.samples?.elapsed_seconds ?? '?'} s, ${p.samples?.requests ?? 0} requests, ${p.samples?.outcomes ?? 0} outcomes (step applied ${p.step_started_at})`
      : '  so far:  step not applied yet (the worker applies it)',
  );
  const gates = p.gates ?? {};
  const gate = (value: unknown, text: (v: number) => string) => (value === null || value === undefined ? 'off' : text(Number(value)));
  lines.push(
    `  gates:   error rate ${gate(gates.max_error_rate_increase, (v) => `+${(v * 100).toFixed(2)} points`)}, p99 ${gate(gates.max_p99_latency_ratio, (v) => `×${v}`)}, outcome margin ${gate(gates.outcome_margin, String)}`,
  );
  lines.push(`  end:     ${p.end === 'promote' ? `promote once at least as good (α = ${p.alpha})` : 'hold for a person'}`);
  if (p.evidence) lines.push(`  last:    ${p.evidence.detail} (${p.evidence.evaluated_at})`);
  if (p.reason) lines.push(`  reason:  ${p.reason}`);
  return lines.join('\n');
}

const figure = (value: unknown, digits = 4) => (typeof value === 'number' ? Number(value.toPrecision(digits)).toString() : '–');
const percent = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(2)}%` : '–');

/** The shadow section of the stats (null: no shadow answered in the window) beside the deployment's shadow. */
export function formatShadow(model: string, deployment: Json, report: Json | null | undefined, window: { from?: string; to?: string }): string {
  const deployed = deployment.shadow ? `v${deployment.shadow.version} at ${deployment.shadow_percent}% of the champion's requests` : 'none';
  const lines = [`${model} shadow: ${deployed}`, `  window: ${window.from ?? '?'} to ${window.to ?? '?'}`];
  if (!report) {
    lines.push('  no shadow answers logged in the window');
    return lines.join('\n');
  }
  lines.push(`  answers:    ${report.requests} from v${report.version}, ${report.errors} errors (${percent(report.error_rate)})`);
  const latency = report.latency_ms ?? {};
  lines.push(`  latency:    p50 ${figure(latency.p50)} ms, p95 ${figure(latency.p95)} ms, p99 ${figure(latency.p99)} ms`);
  if (report.agreement) {
    const interval = report.agreement.interval ? ` (95% CI ${percent(report.agreement.interval.low)} to ${percent(report.agreement.interval.high)})` : '';
    lines.push(`  agreement:  ${percent(report.agreement.rate)} of ${report.agreement.compared} compared${interval}`);
  }
  if (report.output_difference) {
    const d = report.output_difference;
    lines.push(`  difference: shadow − champion mean ${figure(d.mean)}, mean |·| ${figure(d.mean_absolute)}, p50 |·| ${figure(d.p50_absolute)}, p95 |·| ${figure(d.p95_absolute)} over ${d.compared}`);
  }
  if (report.quality) {
    const metrics = Object.entries((report.quality.metrics ?? {}) as Record<string, Json>).map(([name, metric]) => `${name} ${figure(metric.value)}`);
    lines.push(`  quality:    ${metrics.join(', ') || '–'} over ${report.quality.labelled} requests with feedback`);
  }
  return lines.join('\n');
}
