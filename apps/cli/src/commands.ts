import { readFile } from 'node:fs/promises';
import { type Invocation, parseJsonObject, parsePercent, parseVersion, uploadMetadata } from './args';
import { RegistryClient } from './client';
import { ApiError, CliError, EXIT_FAILURE, EXIT_OK } from './errors';
import {
  formatDeployment,
  formatModel,
  formatProgressBar,
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

/** Runs one parsed command; returns the exit code. Throws CliError for expected failures. */
export async function runCommand(inv: Invocation, io: Io): Promise<number> {
  const client = new RegistryClient({ registry: inv.global.registry, key: inv.global.key, actor: inv.global.actor });
  const json = inv.global.json;
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  const print = (document: unknown, human: () => string) => out(json ? JSON.stringify(document, null, 2) : human());
  const { args, options } = inv;

  switch (inv.command) {
    case 'models create': {
      const body: { name: string; description?: string; tags?: Record<string, string> } = { name: args.name };
      if (options.description !== undefined) body.description = options.description;
      if (Object.keys(options.tags).length > 0) body.tags = options.tags;
      const { body: model } = await client.createModel(body);
      print(model, () => `created model ${String(model.name ?? args.name)}`);
      return EXIT_OK;
    }
    case 'models list': {
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
    case 'models get': {
      const { body } = await client.getModel(args.name);
      print(body, () => formatModel(body));
      return EXIT_OK;
    }
    case 'versions list': {
      const { body } = await client.listVersions(args.name, options.limit);
      print(body, () => (body.items.length === 0 ? '(no versions)' : body.items.map(formatVersionRow).join('\n')));
      return EXIT_OK;
    }
    case 'versions get': {
      const { body } = await client.getVersion(args.name, parseVersion(args.version));
      print(body, () => formatVersion(args.name, body));
      return EXIT_OK;
    }
    case 'versions upload':
      return upload(inv, client, io, print, err);
    case 'alias set': {
      const { body } = await client.setAlias(args.name, args.alias, parseVersion(args.version), options.force);
      print(body, () => `${args.name}: ${args.alias} → v${parseVersion(args.version)}\n${formatDeployment(args.name, body)}`);
      return EXIT_OK;
    }
    case 'alias delete': {
      const { body } = await client.deleteAlias(args.name, args.alias);
      print(body ?? {}, () => `${args.name}: removed ${args.alias}${body ? `\n${formatDeployment(args.name, body)}` : ''}`);
      return EXIT_OK;
    }
    case 'traffic': {
      const percent = parsePercent(args.percent);
      const current = await client.getDeployment(args.name);
      const etag = current.headers.get('etag') ?? (current.body.revision === undefined ? null : `"${String(current.body.revision)}"`);
      if (!etag) throw new CliError(`the registry did not say which revision the deployment of ${args.name} is at`);
      try {
        const { body } = await client.setTraffic(args.name, percent, etag);
        print(body, () => `${args.name}: challenger now gets ${percent}% of traffic\n${formatDeployment(args.name, body)}`);
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          throw new CliError(`someone else changed the deployment of ${args.name} since it was read (revision ${etag}); check it with "switchyard deployment ${args.name}" and retry`);
        }
        throw error;
      }
      return EXIT_OK;
    }
    case 'promote': {
      const { body } = await client.promote(args.name, options.reason);
      print(body, () => `${args.name}: promoted the challenger\n${formatDeployment(args.name, body)}`);
      return EXIT_OK;
    }
    case 'rollback': {
      const { body } = await client.rollback(args.name, options.reason);
      print(body, () => `${args.name}: rolled back\n${formatDeployment(args.name, body)}`);
      return EXIT_OK;
    }
    case 'deployment': {
      const { body } = await client.getDeployment(args.name);
      print(body, () => formatDeployment(args.name, body));
      return EXIT_OK;
    }
    case 'stats': {
      let response;
      try {
        response = await client.stats(args.name, options.from, options.to);
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
  }
}

async function upload(
  inv: Invocation,
  client: RegistryClient,
  io: Io,
  print: (document: unknown, human: () => string) => void,
  err: (text: string) => void,
): Promise<number> {
  const { args, options, global } = inv;
  const inputExample = options.inputExample === undefined ? undefined : await readInputExample(options.inputExample);
  const status = StatusLine.for(io.stderr, global.json);
  let created: Json;
  try {
    const response = await client.uploadVersion(args.name, args.file, uploadMetadata(options, inputExample), (sent, total) =>
      status.update(`uploading ${formatProgressBar(sent, total)}`, sent === total),
    );
    created = response.body as Json;
  } finally {
    status.done();
  }
  if (!options.wait) {
    print(created, () => `uploaded ${args.name} v${created.version} (${String(created.status)}, sha256 ${String(created.sha256)})`);
    return EXIT_OK;
  }
  if (!global.json) err(`uploaded ${args.name} v${created.version}; waiting for validation…`);

  const version = Number(created.version);
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  const pollMs = io.pollMs ?? 500;
  let frame = 0;
  let current: Json = created;
  const spinner = status.enabled ? setInterval(() => status.update(formatWaitLine(frame++, `validating ${args.name} v${version}`, Date.now() - started), true), 120) : undefined;
  try {
    for (;;) {
      current = (await client.getVersion(args.name, version)).body;
      if (current.status !== 'pending') break;
      if (Date.now() >= deadline) {
        throw new CliError(`${args.name} v${version} is still pending after ${options.timeoutSeconds} s; check it later with "switchyard versions get ${args.name} ${version}"`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    if (spinner) clearInterval(spinner);
    status.done();
  }

  if (current.status === 'ready') {
    print(current, () => formatVersion(args.name, current));
    return EXIT_OK;
  }
  if (global.json) print(current, () => '');
  err(`${args.name} v${version} failed validation: ${String(current.status_reason ?? 'no reason given')}`);
  return EXIT_FAILURE;
}

async function readInputExample(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --input-example ${file}: ${(error as Error).message}`);
  }
  return parseJsonObject(`--input-example ${file}`, text);
}
