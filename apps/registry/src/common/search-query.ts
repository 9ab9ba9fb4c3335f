import { DomainError, type FieldError } from '@switchyard/errors';

/**
 * The query strings of the searchable lists, parsed by hand because their keys are open-ended
 * (`tag.<key>`, `metric.<name>_lt`): every parameter is either understood or refused with 400 naming
 * it, so a typo never silently widens a search.
 */
export type RawQuery = Record<string, unknown>;

export const METRIC_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const METRIC_BOUND = /^metric\.(.+)_(lt|lte|gt|gte)$/;
const VERSION_STATUSES = ['pending', 'ready', 'failed'] as const;
export const APPROVAL_STATES = ['approved', 'rejected', 'none'] as const;
const ORDERS = ['asc', 'desc'] as const;

export type MetricComparison = 'lt' | 'lte' | 'gt' | 'gte';
export interface MetricBound {
  metric: string;
  comparison: MetricComparison;
  value: number;
}

export type VersionOrder = { by: 'version' } | { by: 'created_at' } | { by: 'metric'; metric: string };

export interface VersionSearch {
  limit: number;
  cursor?: string;
  statuses: string[];
  approvals: string[];
  tags: Record<string, string>;
  metrics: MetricBound[];
  createdAfter?: Date;
  createdBefore?: Date;
  order: VersionOrder;
  direction: 'asc' | 'desc';
}

export interface ModelSearch {
  limit: number;
  cursor?: string;
  tags: Record<string, string>;
  /** Substring of the name or the description, case-insensitive. */
  text?: string;
}

class QueryReader {
  readonly errors: FieldError[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly raw: RawQuery) {}

  /** One value of a parameter; a repeated parameter is refused rather than one copy silently chosen. */
  string(key: string): string | undefined {
    this.seen.add(key);
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.errors.push({ field: key, message: 'give it once' });
      return undefined;
    }
    return value;
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  markSeen(key: string): void {
    this.seen.add(key);
  }

  limit(): number {
    const raw = this.string('limit');
    if (raw === undefined) return 50;
    const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(limit >= 1 && limit <= 200)) this.errors.push({ field: 'limit', message: 'limit must be an integer between 1 and 200' });
    return limit;
  }

  cursor(): string | undefined {
    return this.string('cursor');
  }

  /** Tag filters: `tag.<key>=<value>`, each one required. */
  tags(): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const key of this.keys().filter((k) => k.startsWith('tag.'))) {
      const tag = key.slice('tag.'.length);
      const value = this.string(key);
      if (tag.length < 1 || tag.length > 128) this.errors.push({ field: key, message: 'a tag key is 1–128 characters: tag.<key>=<value>' });
      else if (value !== undefined) tags[tag] = value;
    }
    return tags;
  }

  time(key: string): Date | undefined {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? new Date(raw) : new Date(NaN);
    if (Number.isNaN(time.getTime())) {
      this.errors.push({ field: key, message: 'must be an RFC 3339 time, e.g. 2026-03-01T00:00:00Z' });
      return undefined;
    }
    return time;
  }

  /** A comma-separated list of allowed words. */
  oneOf(key: string, allowed: readonly string[]): string[] {
    const raw = this.string(key);
    if (raw === undefined) return [];
    const values = raw.split(',');
    const unknown = values.filter((v) => !allowed.includes(v));
    if (unknown.length) this.errors.push({ field: key, message: `must be one or more of ${allowed.join(', ')} (comma-separated)` });
    return values;
  }

  /** Fails with every problem found, including each parameter nobody asked for. */
  finish(allowedHint: string): void {
    for (const key of this.keys()) {
      if (!this.seen.has(key)) this.errors.push({ field: key, message: `unknown parameter; allowed: ${allowedHint}` });
    }
    if (this.errors.length) {
      throw new DomainError('VALIDATION_FAILED', this.errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors: this.errors });
    }
  }
}

const VERSION_PARAMETERS = 'limit, cursor, status, approval, tag.<key>, metric.<name>_lt|_lte|_gt|_gte, created_after, created_before, order_by, order';

export function parseVersionSearch(raw: RawQuery): VersionSearch {
  const reader = new QueryReader(raw);
  const limit = reader.limit();
  const cursor = reader.cursor();
  const statuses = reader.oneOf('status', VERSION_STATUSES);
  const approvals = reader.oneOf('approval', APPROVAL_STATES);
  const tags = reader.tags();
  const metrics: MetricBound[] = [];
  for (const key of reader.keys()) {
    const match = METRIC_BOUND.exec(key);
    if (!key.startsWith('metric.')) continue;
    reader.markSeen(key);
    if (!match || !METRIC_NAME.test(match[1])) {
      reader.errors.push({ field: key, message: 'a metric filter is metric.<name>_lt, _lte, _gt or _gte; names use letters, digits, "_", "." and "-"' });
      continue;
    }
    const text = reader.string(key);
    const value = text !== undefined && /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(value)) reader.errors.push({ field: key, message: 'must be a number' });
    else metrics.push({ metric: match[1], comparison: match[2] as MetricComparison, value });
  }
  const createdAfter = reader.time('created_after');
  const createdBefore = reader.time('created_before');
  const orderBy = reader.string('order_by') ?? 'version';
  let order: VersionOrder = { by: 'version' };
  if (orderBy === 'created_at') order = { by: 'created_at' };
  else if (orderBy.startsWith('metric.') && METRIC_NAME.test(orderBy.slice('metric.'.length))) order = { by: 'metric', metric: orderBy.slice('metric.'.length) };
  else if (orderBy !== 'version') reader.errors.push({ field: 'order_by', message: 'must be version, created_at or metric.<name>' });
  const direction = reader.string('order') ?? 'desc';
  if (!(ORDERS as readonly string[]).includes(direction)) reader.errors.push({ field: 'order', message: 'must be asc or desc' });
  reader.finish(VERSION_PARAMETERS);
  return { limit, cursor, statuses, approvals, tags, metrics, createdAfter, createdBefore, order, direction: direction as 'asc' | 'desc' };
}

export function parseModelSearch(raw: RawQuery): ModelSearch {
  const reader = new QueryReader(raw);
  const limit = reader.limit();
  const cursor = reader.cursor();
  const tags = reader.tags();
  const text = reader.string('q');
  if (text !== undefined && (text.length < 1 || text.length > 200)) reader.errors.push({ field: 'q', message: 'a search text is 1–200 characters' });
  reader.finish('limit, cursor, q, tag.<key>');
  return { limit, cursor, tags, text };
}
