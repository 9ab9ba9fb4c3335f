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

export interface SearchOptions {
  status?: string;
  approval?: string;
  tag?: Record<string, string>;
  where?: Record<string, string>;
  createdAfter?: string;
  createdBefore?: string;
  orderBy?: string;
  asc?: boolean;
  limit?: number;
}

/** `versions search`: the registry's filters as flags; the registry checks them (400 names the one it refuses). */
export async function searchVersions(ctx: Context, name: string, options: SearchOptions): Promise<number> {
  const { client, print } = session(ctx);
  const params: Record<string, string | number | undefined> = {
    status: options.status,
    approval: options.approval,
    created_after: options.createdAfter,
    created_before: options.createdBefore,
    order_by: options.orderBy,
    order: options.asc ? 'asc' : undefined,
    limit: options.limit,
    ...options.where,
    ...Object.fromEntries(Object.entries(options.tag ?? {}).map(([key, value]) => [`tag.${key}`, value])),
  };
  const { body } = await client.searchVersions(name, params);
  print(body, () => (body.items.length === 0 ? '(no versions match)' : body.items.map(formatVersionRow).join('\n')));
  return EXIT_OK;
}

/** `versions tag`: sets the given tags and removes the --remove ones, leaving the others (a merge on the registry). */
export async function tagVersion(ctx: Context, name: string, version: number, pairs: string[], options: { remove?: string[] }): Promise<number> {
  const { client, print } = session(ctx);
  const tags: Record<string, string | null> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`"${pair}" is not key=value`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  for (const key of options.remove ?? []) tags[key] = null;
  if (Object.keys(tags).length === 0) throw new UsageError('give at least one key=value or --remove <key>');
  const { body } = await client.updateVersion(name, version, { tags });
  print(body, () => `${name} v${version} tags: ${Object.entries((body.metadata?.tags ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}`);
  return EXIT_OK;
}

export async function approveVersion(ctx: Context, name: string, version: number, options: { reason?: string }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.decideVersion(name, version, 'approve', options.reason);
  print(body, () => `${name} v${version} approved by ${String(body.approval?.by)}`);
  return EXIT_OK;
}

export async function rejectVersion(ctx: Context, name: string, version: number, options: { reason: string }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.decideVersion(name, version, 'reject', options.reason);
  print(body, () => `${name} v${version} rejected by ${String(body.approval?.by)}: ${options.reason}`);
  return EXIT_OK;
}

export async function createKey(ctx: Context, name: string, options: { role: string[]; model?: string[] }): Promise<number> {
  const { client, print, err } = session(ctx);
  const { body } = await client.createKey({ name, roles: options.role, ...(options.model ? { models: options.model } : {}) });
  print(body, () => String(body.key));
  if (!ctx.global.json) err(`created key ${String(body.id)} (${name}, ${(body.roles as string[]).join(', ')}); the key above is shown only now`);
  return EXIT_OK;
}

export async function listKeys(ctx: Context): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.listKeys();
  print(body, () =>
    body.items.length === 0
      ? '(no keys)'
      : body.items.map((k) => `${k.id}\t${k.name}\t${(k.roles as string[]).join(',')}${k.models ? `\tmodels: ${(k.models as string[]).join(',')}` : ''}${k.revoked_at ? '\trevoked' : ''}`).join('\n'),
  );
  return EXIT_OK;
}

export async function revokeKey(ctx: Context, id: string): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.revokeKey(id);
  print(body ?? {}, () => `revoked key ${id}`);
  return EXIT_OK;
}

export async function createWebhook(ctx: Context, url: string, options: { event: string[]; model?: string; secret?: string }): Promise<number> {
  const { client, print, err } = session(ctx);
  const { body } = await client.createWebhook({ url, events: options.event, ...(options.model ? { model: options.model } : {}), ...(options.secret ? { secret: options.secret } : {}) });
  print(body, () => String(body.secret));
  if (!ctx.global.json) err(`created webhook ${String(body.id)} → ${url} (${options.event.join(', ')}); the signing secret above is shown only now`);
  return EXIT_OK;
}

export async function updateWebhook(
  ctx: Context,
  id: string,
  options: { url?: string; event?: string[]; model?: string; everyModel?: boolean; secret?: string; rotateSecret?: boolean; secretOverlapSeconds?: number },
): Promise<number> {
  if (options.model !== undefined && options.everyModel) throw new UsageError('give --model or --every-model, not both');
  const { client, print, err } = session(ctx);
  const { body } = await client.updateWebhook(id, {
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(options.event ? { events: options.event } : {}),
    ...(options.model !== undefined ? { model: options.model } : options.everyModel ? { model: null } : {}),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
    ...(options.rotateSecret ? { rotate_secret: true } : {}),
    ...(options.secretOverlapSeconds !== undefined ? { secret_overlap_seconds: options.secretOverlapSeconds } : {}),
  });
  const described = `${String(body.id)} → ${String(body.url)} (${(body.events as string[]).join(', ')})${body.model ? `, model: ${String(body.model)}` : ''}`;
  if (body.secret !== undefined) {
    print(body, () => String(body.secret));
    if (!ctx.global.json) {
      const overlap = body.previous_secret_expires_at ? `; the old one also signs deliveries until ${String(body.previous_secret_expires_at)}` : '';
      err(`updated webhook ${described}; the new signing secret above is shown only now${overlap}`);
    }
  } else {
    print(body, () => `updated webhook ${described}`);
  }
  return EXIT_OK;
}

export async function listWebhooks(ctx: Context): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.listWebhooks();
  print(body, () =>
    body.items.length === 0 ? '(no webhooks)' : body.items.map((w) => `${w.id}\t${w.url}\t${(w.events as string[]).join(',')}${w.model ? `\tmodel: ${w.model}` : ''}`).join('\n'),
  );
  return EXIT_OK;
}

export async function deleteWebhook(ctx: Context, id: string): Promise<number> {
  const { client, print } = session(ctx);
  await client.deleteWebhook(id);
  print({}, () => `deleted webhook ${id}`);
  return EXIT_OK;
}

export async function webhookDeliveries(ctx: Context, id: string, options: { limit?: number }): Promise<number> {
  const { client, print } = session(ctx);
  const { body } = await client.webhookDeliveries(id, options.limit);
  print(body, () =>
    body.items.length === 0
      ? '(no deliveries)'
      : body.items
          .map((d) => {
            const last = (d.attempt_log as Json[]).at(-1);
            const outcome = last ? (last.status_code ?? last.error) : 'not tried yet';
            return `${d.event_type}\t${d.model}\t${d.status}\t${d.attempts} attempt(s)\tlast: ${String(outcome)}\t${d.event_id}`;
          })
          .join('\n'),
  );
  return EXIT_OK;
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
