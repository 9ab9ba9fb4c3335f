import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export const DEFAULT_REGISTRY = 'http://127.0.0.1:3000';

export const USAGE = `Usage: switchyard <command> [arguments] [options]

Commands:
  models create <name> [--description d] [--tag k=v ...]   register a model
  models list                                              list models
  models get <name>                                        one model, its aliases and deployment
  versions upload <name> <file.onnx> [--metadata '{...}'] [--metrics k=v ...] [--tag k=v ...]
                  [--source s] [--description d] [--input-example example.json] [--wait] [--timeout 120]
                                                           stream an artifact; with --wait, exit 0 when
                                                           it is ready (warnings shown), 1 (with the
                                                           reason) when it failed. example.json is a
                                                           predict body ({"inputs": {...}} or
                                                           {"instances": [...]}): validation runs it and
                                                           gateways warm the version with it
  versions list <name>                                     versions, newest first
  versions get <name> <version>                            one version
  alias set <name> <alias> <version> [--force]             point an alias (champion, challenger, …) at a version
  alias delete <name> <alias>                              remove an alias
  traffic <name> <percent>                                 challenger share (0–100), guarded by the deployment's ETag
  promote <name> [--reason r]                              the challenger becomes champion
  rollback <name> [--reason r]                             the previous champion returns
  deployment <name>                                        the current deployment
  stats <name> [--from t] [--to t]                         per-variant statistics

Options:
  --registry <url>   registry URL (env SWITCHYARD_REGISTRY_URL, default ${DEFAULT_REGISTRY})
  --api-key <key>    API key, sent as Authorization: Bearer (env SWITCHYARD_API_KEY; --key also works)
  --actor <name>     who makes the change, sent as X-Actor, for a registry with auth off (env SWITCHYARD_ACTOR)
  --json             print the registry's JSON (one document) instead of text
  --help             this text

Exit codes: 0 ok, 1 refused by the registry or the version failed, 2 usage, 3 registry unreachable.`;

export const COMMANDS = [
  'models create',
  'models list',
  'models get',
  'versions upload',
  'versions list',
  'versions get',
  'alias set',
  'alias delete',
  'traffic',
  'promote',
  'rollback',
  'deployment',
  'stats',
] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Positional arguments each command takes, after its name. */
const ARITY: Record<CommandName, string[]> = {
  'models create': ['name'],
  'models list': [],
  'models get': ['name'],
  'versions upload': ['name', 'file'],
  'versions list': ['name'],
  'versions get': ['name', 'version'],
  'alias set': ['name', 'alias', 'version'],
  'alias delete': ['name', 'alias'],
  traffic: ['name', 'percent'],
  promote: ['name'],
  rollback: ['name'],
  deployment: ['name'],
  stats: ['name'],
};

const GROUPS = new Set(['models', 'versions', 'alias']);

const OPTIONS = {
  registry: { type: 'string' },
  key: { type: 'string' },
  'api-key': { type: 'string' },
  actor: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  description: { type: 'string' },
  tag: { type: 'string', multiple: true },
  metadata: { type: 'string' },
  'input-example': { type: 'string' },
  metrics: { type: 'string', multiple: true },
  source: { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  force: { type: 'boolean' },
  reason: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
} as const;

export interface GlobalOptions {
  registry: string;
  key?: string;
  actor?: string;
  json: boolean;
}

export interface Invocation {
  command: CommandName;
  /** The command's positional arguments by name. */
  args: Record<string, string>;
  global: GlobalOptions;
  options: {
    description?: string;
    tags: Record<string, string>;
    metadata?: Record<string, unknown>;
    /** The path of a JSON file holding the version's input example. */
    inputExample?: string;
    metrics: Record<string, number>;
    source?: string;
    wait: boolean;
    timeoutSeconds: number;
    force: boolean;
    reason?: string;
    from?: string;
    to?: string;
    limit?: number;
  };
}

export type Parsed = { help: true } | Invocation;

/**
 * Parses the command line (without `node` and the script) with the environment's defaults.
 * Throws UsageError for anything that does not make a valid command.
 */
export function parseCommandLine(argv: string[], env: Record<string, string | undefined> = {}): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    if (values.help) return { help: true };
    throw new UsageError('no command given');
  }

  const [first, second] = positionals;
  let command: string;
  let rest: string[];
  if (GROUPS.has(first)) {
    if (second === undefined) throw new UsageError(`"${first}" needs a subcommand`);
    command = `${first} ${second}`;
    rest = positionals.slice(2);
  } else {
    command = first;
    rest = positionals.slice(1);
  }
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command "${command}"`);
  const name = command as CommandName;
  const expected = ARITY[name];
  if (rest.length !== expected.length) {
    const shape = expected.map((a) => `<${a}>`).join(' ');
    throw new UsageError(`"${name}" takes ${expected.length === 0 ? 'no arguments' : shape}, got ${rest.length === 0 ? 'none' : rest.join(' ')}`);
  }
  const args = Object.fromEntries(expected.map((a, i) => [a, rest[i]]));

  const registry = values.registry ?? env.SWITCHYARD_REGISTRY_URL ?? DEFAULT_REGISTRY;
  if (!isHttpUrl(registry)) throw new UsageError(`the registry URL "${registry}" is not an http(s) URL`);

  const timeoutSeconds = values.timeout === undefined ? 120 : parsePositiveNumber('--timeout', values.timeout);
  const limit = values.limit === undefined ? undefined : parsePositiveNumber('--limit', values.limit);
  if (name === 'traffic') parsePercent(args.percent);
  if (name === 'alias set' || name === 'versions get') parseVersion(args.version);

  return {
    command: name,
    args,
    global: {
      registry: registry.replace(/\/+$/, ''),
      key: values['api-key'] ?? values.key ?? nonEmpty(env.SWITCHYARD_API_KEY),
      actor: values.actor ?? nonEmpty(env.SWITCHYARD_ACTOR),
      json: values.json ?? false,
    },
    options: {
      description: values.description,
      tags: parseKeyValues('--tag', values.tag ?? []),
      metadata: values.metadata === undefined ? undefined : parseJsonObject('--metadata', values.metadata),
      inputExample: values['input-example'],
      metrics: parseMetrics(values.metrics ?? []),
      source: values.source,
      wait: values.wait ?? false,
      timeoutSeconds,
      force: values.force ?? false,
      reason: values.reason,
      from: values.from,
      to: values.to,
      limit,
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `k=v` pairs into an object; the value may contain `=`. */
export function parseKeyValues(flag: string, pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} expects key=value, got "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** `rmse=0.31` pairs into numbers. */
export function parseMetrics(pairs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(parseKeyValues('--metrics', pairs))) {
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) throw new UsageError(`--metrics ${key} must be a number, got "${raw}"`);
    out[key] = value;
  }
  return out;
}

export function parseJsonObject(flag: string, raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function parsePercent(raw: string): number {
  const value = raw.trim() === '' ? NaN : Number(raw.replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new UsageError(`percent must be a number from 0 to 100, got "${raw}"`);
  return value;
}

export function parseVersion(raw: string): number {
  const value = /^v?\d+$/.test(raw) ? Number(raw.replace(/^v/, '')) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`version must be a positive integer, got "${raw}"`);
  return value;
}

function parsePositiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number, got "${raw}"`);
  return value;
}

/**
 * The metadata part of an upload: --metadata, with --metrics, --tag, --source, --description and the
 * parsed --input-example file merged in. The registry checks the example's form.
 */
export function uploadMetadata(options: Invocation['options'], inputExample?: Record<string, unknown>): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = { ...(options.metadata ?? {}) };
  if (inputExample !== undefined) metadata.input_example = inputExample;
  if (Object.keys(options.metrics).length > 0) {
    const existing = metadata.metrics;
    metadata.metrics = { ...(typeof existing === 'object' && existing !== null ? existing : {}), ...options.metrics };
  }
  if (Object.keys(options.tags).length > 0) {
    const existing = metadata.tags;
    metadata.tags = { ...(typeof existing === 'object' && existing !== null ? existing : {}), ...options.tags };
  }
  if (options.source !== undefined) metadata.source = options.source;
  if (options.description !== undefined) metadata.description = options.description;
  return Object.keys(metadata).length === 0 ? undefined : metadata;
}
