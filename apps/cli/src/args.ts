import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors';

/**
 * The values on the command line, parsed. Each parser is a commander argParser: it throws
 * InvalidArgumentError, which commander reports as "option '--x <v>' argument 'y' is invalid. <message>".
 */

export const DEFAULT_REGISTRY = 'http://127.0.0.1:3000';

export interface GlobalOptions {
  registry: string;
  key?: string;
  actor?: string;
  json: boolean;
}

/** The program's own options as commander gives them (`--key` and `--api-key` are one option, apiKey). */
export interface GlobalFlags {
  registry?: string;
  apiKey?: string;
  actor?: string;
  json?: boolean;
}

/** Flags first, then the environment, then the default; an empty variable counts as unset. */
export function resolveGlobals(flags: GlobalFlags, env: Record<string, string | undefined>): GlobalOptions {
  let registry = flags.registry;
  if (registry === undefined) {
    registry = nonEmpty(env.SWITCHYARD_REGISTRY_URL) ?? DEFAULT_REGISTRY;
    if (!isHttpUrl(registry)) throw new UsageError(`SWITCHYARD_REGISTRY_URL "${registry}" is not an http(s) URL`);
  }
  return {
    registry: registry.replace(/\/+$/, ''),
    key: flags.apiKey ?? nonEmpty(env.SWITCHYARD_API_KEY),
    actor: flags.actor ?? nonEmpty(env.SWITCHYARD_ACTOR),
    json: flags.json ?? false,
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

export function parseRegistryUrl(raw: string): string {
  if (!isHttpUrl(raw)) throw new InvalidArgumentError('Expected an http(s) URL.');
  return raw;
}

/** One `k=v` pair added to the ones before it (the option repeats); the value may contain `=`. */
export function parseKeyValue(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = raw.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('Expected key=value.');
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
}

/** One `rmse=0.31` pair added to the ones before it. */
export function parseMetric(raw: string, previous: Record<string, number> = {}): Record<string, number> {
  const [[key, text]] = Object.entries(parseKeyValue(raw));
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`Expected key=number, and ${key} is not a number.`);
  return { ...previous, [key]: value };
}

export function parseJsonObject(raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new InvalidArgumentError(`Not valid JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError('Expected a JSON object.');
  return value as Record<string, unknown>;
}

/** `12.5`, or `10%`. */
export function parsePercent(raw: string): number {
  const value = raw.trim() === '' ? NaN : Number(raw.replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new InvalidArgumentError('Expected a number from 0 to 100.');
  return value;
}

/** `shadow:100,1,5,25,50`: the plan's steps, a `shadow:` prefix for a shadow step, else the challenger's percent. */
export function parsePlanSteps(raw: string): Array<{ challenger_percent: number } | { shadow_percent: number }> {
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) throw new InvalidArgumentError('Expected percents separated by commas, e.g. shadow:100,1,5,25,50.');
  return parts.map((part) => {
    const shadow = part.startsWith('shadow:');
    const percent = parsePercent(shadow ? part.slice('shadow:'.length) : part);
    return shadow ? { shadow_percent: percent } : { challenger_percent: percent };
  });
}

const COMPARISONS: Record<string, string> = { '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

/** `rmse<0.3` → `{"metric.rmse_lt": "0.3"}`, added to the ones before it (the option repeats). */
export function parseMetricBound(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([A-Za-z0-9_.-]{1,64})\s*(<=|>=|<|>)\s*(\S+)$/.exec(raw);
  const value = match ? Number(match[3]) : NaN;
  if (!match || !Number.isFinite(value)) throw new InvalidArgumentError('Expected <metric><op><number>, with op one of < <= > >= (e.g. "rmse<0.3").');
  return { ...previous, [`metric.${match[1]}_${COMPARISONS[match[2]]}`]: match[3] };
}

/** A tag to remove, added to the ones before it. */
export function parseTagKey(raw: string, previous: string[] = []): string[] {
  if (raw.length < 1 || raw.length > 128) throw new InvalidArgumentError('Expected a tag key of 1–128 characters.');
  return [...previous, raw];
}

/** A repeatable word option (a role, an event). */
export function collect(raw: string, previous: string[] = []): string[] {
  return [...previous, raw];
}

/** `3`, or `v3`. */
export function parseVersion(raw: string): number {
  const value = /^v?\d+$/.test(raw) ? Number(raw.replace(/^v/, '')) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('Expected a positive integer (3 or v3).');
  return value;
}

export function parseNonNegativeInteger(raw: string): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('Expected a whole number, 0 or more.');
  return value;
}

export function parsePositiveNumber(raw: string): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('Expected a positive number.');
  return value;
}

/** What `versions upload` takes besides the model and the file. */
export interface UploadOptions {
  metadata?: Record<string, unknown>;
  metrics?: Record<string, number>;
  tag?: Record<string, string>;
  source?: string;
  description?: string;
  /** The path of a JSON file holding the version's input example. */
  inputExample?: string;
  wait?: boolean;
  /** Seconds --wait waits. */
  timeout: number;
}

/**
 * The metadata part of an upload: --metadata, with --metrics, --tag, --source, --description and the
 * parsed --input-example file merged in. The registry checks the example's form.
 */
export function uploadMetadata(options: UploadOptions, inputExample?: Record<string, unknown>): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = { ...(options.metadata ?? {}) };
  if (inputExample !== undefined) metadata.input_example = inputExample;
  if (options.metrics !== undefined) metadata.metrics = { ...asObject(metadata.metrics), ...options.metrics };
  if (options.tag !== undefined) metadata.tags = { ...asObject(metadata.tags), ...options.tag };
  if (options.source !== undefined) metadata.source = options.source;
  if (options.description !== undefined) metadata.description = options.description;
  return Object.keys(metadata).length === 0 ? undefined : metadata;
}

function asObject(value: unknown): object {
  return typeof value === 'object' && value !== null ? value : {};
}
