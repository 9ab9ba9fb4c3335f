import { readFile } from 'node:fs/promises';
import { type GlobalOptions, parseJsonObject, type UploadOptions, uploadMetadata } from './args';
import { RegistryClient } from './client';
import { ApiError, CliError, EXIT_FAILURE, EXIT_OK, UsageError } from './errors';
import {
  formatDeployment,
  formatModel,
  formatProgressBar,
  formatRolloutPlan,
  formatShadow,
  formatVersion,
  formatVersionRow,
  formatWaitLine,
  type ProgressStream,
  StatusLine,
} from './output';

type Json = Record<string, any>;

export interface Io {
  stdout: ProgressStream;
  stderr: ProgressStream;
  /** Milliseconds between polls while waiting for validation. */
  pollMs?: number;
}

/** What every command runs with: the global options and the streams. */
export interface Context {
  global: GlobalOptions;
  io: Io;
}

type Print = (document: unknown, human: () => string) => void;

/** The client and the printers of one command: `--json` prints the registry's document, else the text. */
function session({ global, io }: Context) {
  const client = new RegistryClient({ registry: global.registry, key: global.key, actor: global.actor });
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  const print: Print = (document, human) => out(global.json ? JSON.stringify(document, null, 2) : human());
  return { client, print, err };
}

/* Each command returns its exit code and throws CliError for expected failures. */

export async function createModel(ctx: Context, name: string, options: { description?: string; tag?: Record<string, string> }): Promise<number> {
  const { client, print } = session(ctx);
  const body: { name: string; description?: string; tags?: Record<string, string> } = { name };
  if (options.description !== undefined) body.description = options.description;
  if (options.tag !== undefined) body.tags = options.tag;
  const { body: model } = await client.createModel(body);
  print(model, () => `created model ${String(model.name ?? name)}`);
  return EXIT_OK;
}

export async function listModels(ctx: Context, options: { limit?: number }): Promise<number> {
  const { client, print } = session(ctx);
  const items: Json[] = [];
  let cursor: string | undefined;
  do {
    const { body } = await client.listModels(options.limit ?? 100, cursor);
    items.push(...body.items);
    cursor = body.next_cursor ?? undefined;
  } while (cursor && options.limit === undefined);
  print({ items }, () => (items.length === 0 ? '(no models)' : items.map((m) => `${m.name}${m.description ? `\t${m.description}` : ''}`).join('\n')));
  return EXIT_OK;
}

export async function getModel(ctx: Context, name: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.getModel(name);
  print(body, () => formatModel(body));
  return EXIT_OK;
}

export async function listVersions(ctx: Context, name: string, options: { limit?: number }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.listVersions(name, options.limit);
  print(body, () => (body.items.length === 0 ? '(no versions)' : body.items.map(formatVersionRow).join('\n')));
  return EXIT_OK;
}

export async function getVersion(ctx: Context, name: string, version: number): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.getVersion(name, version);
  print(body, () => formatVersion(name, body));
  return EXIT_OK;
}

export async function setAlias(ctx: Context, name: string, alias: string, version: number, options: { force?: boolean }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.setAlias(name, alias, version, options.force ?? false);
  print(body, () => `${name}: ${alias} → v${version}\n${formatDeployment(name, body)}`);
  return EXIT_OK;
}

export async function deleteAlias(ctx: Context, name: string, alias: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.deleteAlias(name, alias);
  print(body ?? {}, () => `${name}: removed ${alias}${body ? `\n${formatDeployment(name, body)}` : ''}`);
  return EXIT_OK;
}

export async function setTraffic(ctx: Context, name: string, percent: number): Promise<number> {
  const { client, print } = session(ctx);
  const current = await client.getDeployment(name);
  const etag = current.headers.get('etag') ?? (current.body.revision === undefined ? null : `"${String(current.body.revision)}"`);
  if (!etag) throw new CliError(`the registry did not say which revision the deployment of ${name} is at`);
  try {
    const { body } = await client.setTraffic(name, percent, etag);
    print(body, () => `${name}: challenger now gets ${percent}% of traffic\n${formatDeployment(name, body)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      throw new CliError(`someone else changed the deployment of ${name} since it was read (revision ${etag}); check it with "switchyard deployment ${name}" and retry`);
    }
    throw error;
  }
  return EXIT_OK;
}

export async function promote(ctx: Context, name: string, options: { reason?: string }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.promote(name, options.reason);
  print(body, () => `${name}: promoted the challenger\n${formatDeployment(name, body)}`);
  return EXIT_OK;
}

export async function rollback(ctx: Context, name: string, options: { reason?: string }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.rollback(name, options.reason);
  print(body, () => `${name}: rolled back\n${formatDeployment(name, body)}`);
  return EXIT_OK;
}

export async function showDeployment(ctx: Context, name: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.getDeployment(name);
  print(body, () => formatDeployment(name, body));
  return EXIT_OK;
}

/** What `plan set` takes: a plan file, and flags that override its fields. */
export interface PlanOptions {
  file?: string;
  steps?: Json[];
  minDuration?: number;
  minRequests?: number;
  minOutcomes?: number;
  alpha?: number;
  end?: string;
}

/**
 * Sets the model's rollout plan: creates it (If-None-Match: *) when the model has none, else replaces
 * the plan as read (If-Match with its ETag), so a plan someone changed meanwhile is not overwritten.
 */
export async function setPlan(ctx: Context, name: string, options: PlanOptions): Promise<number> {
  const { client, print } = session(ctx);
  const plan: Json = options.file === undefined ? {} : await readPlanFile(options.file);
  if (options.steps !== undefined) plan.steps = options.steps;
  if (options.minDuration !== undefined) plan.min_duration_seconds = options.minDuration;
  if (options.minRequests !== undefined) plan.min_requests = options.minRequests;
  if (options.minOutcomes !== undefined) plan.min_outcomes = options.minOutcomes;
  if (options.alpha !== undefined) plan.alpha = options.alpha;
  if (options.end !== undefined) plan.end = options.end;
  if (plan.steps === undefined) throw new UsageError('give the steps with --file plan.json or --steps (e.g. --steps shadow:100,1,5,25,50)');
  let precondition: Record<string, string>;
  try {
    const current = await client.getRolloutPlan(name);
    precondition = { 'if-match': current.headers.get('etag') ?? `"${String(current.body.revision)}"` };
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404 && (error.body as Json | undefined)?.type === '/problems/rollout-plan-not-found')) throw error;
    precondition = { 'if-none-match': '*' };
  }
  try {
    const { body } = await client.setRolloutPlan(name, plan, precondition);
    print(body, () => `${name}: rollout plan set\n${formatRolloutPlan(name, body)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      throw new CliError(`someone else changed the rollout plan of ${name} since it was read; check it with "switchyard plan show ${name}" and retry`);
    }
    throw error;
  }
  return EXIT_OK;
}

export async function showPlan(ctx: Context, name: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.getRolloutPlan(name);
  print(body, () => formatRolloutPlan(name, body));
  return EXIT_OK;
}

export async function pausePlan(ctx: Context, name: string, options: { reason?: string }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.moveRolloutPlan(name, 'pause', options.reason);
  print(body, () => `${name}: rollout plan paused\n${formatRolloutPlan(name, body)}`);
  return EXIT_OK;
}

export async function resumePlan(ctx: Context, name: string, options: { reason?: string }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.moveRolloutPlan(name, 'resume', options.reason);
  print(body, () => `${name}: rollout plan resumed (its current step is applied again)\n${formatRolloutPlan(name, body)}`);
  return EXIT_OK;
}

export async function cancelPlan(ctx: Context, name: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.cancelRolloutPlan(name);
  print(body, () => `${name}: rollout plan cancelled; the deployment stays as it is\n${formatRolloutPlan(name, body)}`);
  return EXIT_OK;
}

async function readPlanFile(file: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseJsonObject(text);
  } catch (error) {
    throw new UsageError(`--file ${file}: ${(error as Error).message}`);
  }
}

export async function showStats(ctx: Context, name: string, options: { from?: string; to?: string }): Promise<number> {
  const { client, print } = session(ctx);
  let response;
  try {
    response = await client.stats(name, options.from, options.to);
  } catch (error) {
    // A 404 for the route itself (not for the model): this registry does not serve statistics yet.
    if (error instanceof ApiError && error.status === 404 && (error.body as { type?: unknown } | undefined)?.type === '/problems/route-not-found') {
      throw new CliError(`the registry at ${client.registry} does not serve statistics yet (GET /v1/models/{name}/stats answered 404)`);
    }
    throw error;
  }
  print(response.body, () => JSON.stringify(response.body, null, 2));
  return EXIT_OK;
}

/** Points the shadow at a version, then sets its share with the revision that change returned. */
export async function setShadow(ctx: Context, name: string, version: number, options: { percent: number }): Promise<number> {
  const { client, print } = session(ctx);
  const set = await client.setAlias(name, 'shadow', version, false);
  const etag = set.headers.get('etag') ?? `"${String(set.body.revision)}"`;
  let body = set.body;
  if (set.body.shadow_percent !== options.percent) {
    try {
      body = (await client.setShadowPercent(name, options.percent, etag)).body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        throw new CliError(`the shadow of ${name} is v${version}, but someone else changed the deployment before its share was set; check it with "switchyard deployment ${name}" and retry`);
      }
      throw error;
    }
  }
  print(body, () => `${name}: shadow → v${version}, copies of ${String(body.shadow_percent)}% of the champion's requests\n${formatDeployment(name, body)}`);
  return EXIT_OK;
}

export async function showShadow(ctx: Context, name: string, options: { from?: string; to?: string }): Promise<number> {
  const { client, print } = session(ctx);
  const [deployment, stats] = await Promise.all([client.getDeployment(name), client.stats(name, options.from, options.to)]);
  const document = {
    model: name,
    shadow: deployment.body.shadow ?? null,
    shadow_percent: deployment.body.shadow_percent ?? 0,
    from: stats.body.from,
    to: stats.body.to,
    report: stats.body.shadow ?? null,
  };
  print(document, () => formatShadow(name, deployment.body, stats.body.shadow, stats.body));
  return EXIT_OK;
}

export async function clearShadow(ctx: Context, name: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.deleteAlias(name, 'shadow');
  print(body ?? {}, () => `${name}: shadow cleared, no more copies${body ? `\n${formatDeployment(name, body)}` : ''}`);
  return EXIT_OK;
}

export async function uploadVersion(ctx: Context, name: string, file: string, options: UploadOptions): Promise<number> {
  const { client, print, err } = session(ctx);
  const { global, io } = ctx;
  const inputExample = options.inputExample === undefined ? undefined : await readInputExample(options.inputExample);
  const status = StatusLine.for(io.stderr, global.json);
  let created: Json;
  try {
    const response = await client.uploadVersion(name, file, uploadMetadata(options, inputExample), (sent, total) =>
      status.update(`uploading ${formatProgressBar(sent, total)}`, sent === total),
    );
    created = response.body as Json;
  } finally {
    status.done();
  }
  if (!options.wait) {
    print(created, () => `uploaded ${name} v${created.version} (${String(created.status)}, sha256 ${String(created.sha256)})`);
    return EXIT_OK;
  }
  if (!global.json) err(`uploaded ${name} v${created.version}; waiting for validation…`);

  const version = Number(created.version);
  const started = Date.now();
  const deadline = started + options.timeout * 1000;
  const pollMs = io.pollMs ?? 500;
  let frame = 0;
  let current: Json = created;
  const spinner = status.enabled ? setInterval(() => status.update(formatWaitLine(frame++, `validating ${name} v${version}`, Date.now() - started), true), 120) : undefined;
  try {
    for (;;) {
      current = (await client.getVersion(name, version)).body;
      if (current.status !== 'pending') break;
      if (Date.now() >= deadline) {
        throw new CliError(`${name} v${version} is still pending after ${options.timeout} s; check it later with "switchyard versions get ${name} ${version}"`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    if (spinner) clearInterval(spinner);
    status.done();
  }

  if (current.status === 'ready') {
    print(current, () => formatVersion(name, current));
    return EXIT_OK;
  }
  if (global.json) print(current, () => '');
  err(`${name} v${version} failed validation: ${String(current.status_reason ?? 'no reason given')}`);
  return EXIT_FAILURE;
}

async function readInputExample(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --input-example ${file}: ${(error as Error).message}`);
  }
  try {
    return parseJsonObject(text);
  } catch (error) {
    throw new UsageError(`--input-example ${file}: ${(error as Error).message}`);
  }
}
