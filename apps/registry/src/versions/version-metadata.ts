import { DomainError, type FieldError } from '@switchyard/errors';
import type { VersionMetadata } from '@switchyard/persistence';
import { predictBodyShapeProblems } from '@switchyard/tensor';

const KNOWN_KEYS = ['description', 'tags', 'metrics', 'source', 'input_example'];
const MAX_METADATA_CHARS = 64 * 1024;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The `metadata` part of an upload: a JSON object with description (string), tags (string → string),
 * metrics (string → finite number), source (string) and input_example (a /v1 predict body, MLflow's
 * input example). Anything else is refused with the field named. The example's fit to the model is
 * checked by validation, once the signature is known; here only its form is.
 */
export function parseVersionMetadata(raw: string): VersionMetadata {
  const fail = (errors: FieldError[]) =>
    new DomainError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  if (raw.length > MAX_METADATA_CHARS) throw fail([{ field: 'metadata', message: `must be at most ${MAX_METADATA_CHARS} characters` }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw fail([{ field: 'metadata', message: `is not valid JSON (${(error as Error).message})` }]);
  }
  if (!isPlainObject(parsed)) throw fail([{ field: 'metadata', message: 'must be a JSON object' }]);

  const errors: FieldError[] = [];
  for (const key of Object.keys(parsed)) {
    if (!KNOWN_KEYS.includes(key)) errors.push({ field: `metadata.${key}`, message: `unknown field; allowed: ${KNOWN_KEYS.join(', ')}` });
  }
  const { description, tags, metrics, source } = parsed;
  if (description !== undefined && typeof description !== 'string') errors.push({ field: 'metadata.description', message: 'must be a string' });
  if (source !== undefined && typeof source !== 'string') errors.push({ field: 'metadata.source', message: 'must be a string' });
  if (tags !== undefined && !(isPlainObject(tags) && Object.values(tags).every((v) => typeof v === 'string'))) {
    errors.push({ field: 'metadata.tags', message: 'must be an object of string values' });
  }
  if (metrics !== undefined && !(isPlainObject(metrics) && Object.values(metrics).every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    errors.push({ field: 'metadata.metrics', message: 'must be an object of finite numbers' });
  }
  if (parsed.input_example !== undefined) errors.push(...predictBodyShapeProblems(parsed.input_example, 'metadata.input_example'));
  if (errors.length) throw fail(errors);
  return parsed as VersionMetadata;
}

export interface MetadataEdit {
  changed: boolean;
  metadata: VersionMetadata;
  /** The edited fields as they were and as they became, for the audit entry. */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export interface MetadataPatch {
  description?: string;
  /** Merged: a string sets a tag, null removes it. */
  tags?: Record<string, string | null>;
  /** Added: a metric already present with another value is refused. */
  metrics?: Record<string, number>;
}

/** Applies a PATCH to a version's metadata; throws METRIC_ALREADY_SET, naming each metric, when one would be rewritten. */
export function editVersionMetadata(current: VersionMetadata, patch: MetadataPatch): MetadataEdit {
  const metadata: VersionMetadata = { ...current };
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  if (patch.metrics !== undefined) {
    const existing = current.metrics ?? {};
    const rewritten = Object.entries(patch.metrics).filter(([name, value]) => name in existing && existing[name] !== value);
    if (rewritten.length) {
      throw new DomainError(
        'METRIC_ALREADY_SET',
        `metrics are added, never rewritten: ${rewritten.map(([name]) => `${name} is already ${existing[name]}`).join('; ')}; record a new metric name instead`,
        { errors: rewritten.map(([name]) => ({ field: `metrics.${name}`, message: `already set to ${existing[name]}` })) },
      );
    }
    const added = Object.fromEntries(Object.entries(patch.metrics).filter(([name]) => !(name in existing)));
    if (Object.keys(added).length) {
      metadata.metrics = { ...existing, ...added };
      before.metrics = current.metrics ?? {};
      after.metrics = metadata.metrics;
    }
  }
  if (patch.description !== undefined && patch.description !== (current.description ?? '')) {
    metadata.description = patch.description;
    before.description = current.description ?? '';
    after.description = patch.description;
  }
  if (patch.tags !== undefined) {
    const tags: Record<string, string> = { ...(current.tags ?? {}) };
    for (const [key, value] of Object.entries(patch.tags)) {
      if (value === null) delete tags[key];
      else tags[key] = value;
    }
    if (JSON.stringify(Object.entries(tags).sort()) !== JSON.stringify(Object.entries(current.tags ?? {}).sort())) {
      metadata.tags = tags;
      before.tags = current.tags ?? {};
      after.tags = tags;
    }
  }
  return { changed: Object.keys(after).length > 0, metadata, before, after };
}
