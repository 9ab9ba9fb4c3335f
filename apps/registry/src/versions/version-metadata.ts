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
