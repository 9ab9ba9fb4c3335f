import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { MultipartFile } from '@fastify/multipart';
import type { Readable } from 'node:stream';
import { DataSource, Repository } from 'typeorm';
import { DomainError } from '@switchyard/errors';
import {
  AuditEntryEntity,
  decodeCursor,
  ModelAliasEntity,
  ModelEntity,
  ModelVersionEntity,
  type Page,
  toPage,
  type VersionMetadata,
} from '@switchyard/persistence';
import { ARTIFACT_STORE, type ArtifactStore, artifactKey } from '@switchyard/storage';
import { TypedConfig } from '@switchyard/config';
import { TRAFFIC_ALIASES } from '@switchyard/deployment-changes';
import { recordEvent, WebhookDispatcher } from '@switchyard/events';
import { ModelsService } from '../models/models.service';
import type { UpdateVersionDto, VersionResponse } from './dto/version.dto';
import { HashingStream } from './hashing-stream';
import { ValidationQueue } from './validation-queue';
import { asUploadError, incompleteUpload, untilAborted, type UploadBody } from './upload-body';
import { editVersionMetadata, parseVersionMetadata } from './version-metadata';
import { presentApproval } from '../approvals/approvals.service';
import { METRIC_NAME, type VersionSearch } from '../common/search-query';

interface StoredArtifact {
  key: string;
  uri: string;
  version: number;
  sha256: string;
  sizeBytes: number;
}

const MAX_METADATA_PART_BYTES = 64 * 1024;

/** Reads the `metadata` part, refusing it (413) as soon as it passes its limit rather than cutting it. */
async function readMetadataPart(part: MultipartFile, stalled: AbortSignal): Promise<string> {
  const onStalled = () => part.file.destroy(stalled.reason as Error);
  stalled.addEventListener('abort', onStalled, { once: true });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_METADATA_PART_BYTES) {
        part.file.resume();
        throw new DomainError('PAYLOAD_TOO_LARGE', `the "metadata" part exceeds the limit of ${MAX_METADATA_PART_BYTES} bytes (64 KiB); nothing was stored`, {
          errors: [{ field: 'metadata', message: `at most ${MAX_METADATA_PART_BYTES} bytes` }],
        });
      }
      chunks.push(chunk);
    }
  } finally {
    stalled.removeEventListener('abort', onStalled);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * created_at as the API shows it, to the millisecond: the column keeps microseconds, so comparing it
 * with a time a client read back (a filter, a cursor) would otherwise count a version as after itself.
 */
const CREATED_MS = `date_trunc('milliseconds', v.created_at)`;

const COMPARISON_SQL = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** A metric's value as SQL; the name is checked against METRIC_NAME (no quotes) before it gets here. */
function metricExpression(metric: string): string {
  if (!METRIC_NAME.test(metric)) throw new Error(`unchecked metric name ${JSON.stringify(metric)}`);
  return `(v.metadata -> 'metrics' ->> '${metric}')::double precision`;
}

/** `<sort key>|<version>`, as list() writes it; anything else is INVALID_CURSOR. */
function decodeCompoundCursor(cursor: string, kind: 'time' | 'number'): [string | number, number] {
  const [key, version, ...rest] = decodeCursor(cursor, 'string').split('|');
  const parsedKey = kind === 'time' ? key : Number(key);
  const valid =
    rest.length === 0 && /^\d{1,10}$/.test(version ?? '') && (kind === 'time' ? !Number.isNaN(new Date(key).getTime()) : key !== '' && Number.isFinite(parsedKey));
  if (!valid) {
    throw new DomainError('INVALID_CURSOR', 'cursor is not one this list returned with this order; pass next_cursor unchanged with the same order_by, or omit it', {
      errors: [{ field: 'cursor', message: 'malformed cursor' }],
    });
  }
  return [parsedKey, Number(version)];
}

export function presentVersion(modelName: string, v: ModelVersionEntity): VersionResponse {
  return {
    model: modelName,
    version: v.version,
    status: v.status,
    status_reason: v.statusReason,
    sha256: v.sha256,
    size_bytes: v.sizeBytes,
    signature: v.signature,
    metadata: v.metadata,
    validation: v.validation,
    approval: presentApproval(v),
    artifact_url: `/v1/models/${modelName}/versions/${v.version}/artifact`,
    created_at: v.createdAt.toISOString(),
    created_by: v.createdBy,
  };
}

@Injectable()
export class VersionsService {
  private readonly logger = new Logger(VersionsService.name);

  constructor(
    private readonly modelsService: ModelsService,
    @InjectRepository(ModelVersionEntity) private readonly versions: Repository<ModelVersionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly config: TypedConfig,
    private readonly validationQueue: ValidationQueue,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  /**
   * Streams the `artifact` part straight into the store (hashing on the way), then commits the row.
   * A 201 therefore means the bytes are durable and the row committed; any failure removes the object.
   * Version numbers are taken from a per-model counter, so concurrent uploads never collide; a number
   * taken by an upload that then fails is not reused (docs/decisions.md, "Version numbers").
   */
  async upload(modelName: string, body: UploadBody, actor: string): Promise<ModelVersionEntity> {
    const { parts, stalled } = body;
    const model = await untilAborted(this.modelsService.getByName(modelName), stalled);
    let metadata: VersionMetadata = {};
    let stored: StoredArtifact | undefined;
    try {
      for (;;) {
        const next = await untilAborted(parts.next(), stalled);
        if (next.done) break;
        const part = next.value;
        if (part.type === 'file' && part.fieldname === 'metadata') {
          // Always a stream (UPLOAD_PARSER_OPTIONS): a field, `curl -F metadata=@meta.json`, or typed application/json.
          metadata = parseVersionMetadata(await readMetadataPart(part, stalled));
        } else if (part.type === 'file') {
          if (part.fieldname !== 'artifact' || stored) {
            part.file.resume();
            throw new DomainError('VALIDATION_FAILED', `unexpected file part "${part.fieldname}"; send exactly one file part named "artifact"`, {
              errors: [{ field: part.fieldname, message: 'unexpected file part' }],
            });
          }
          stored = await this.storeArtifact(model, part, stalled);
        } else {
          throw new DomainError('VALIDATION_FAILED', `unknown form field "${part.fieldname}"; allowed: artifact (file), metadata (JSON)`, {
            errors: [{ field: part.fieldname, message: 'unknown field' }],
          });
        }
      }
      if (!stored) {
        throw new DomainError('ARTIFACT_MISSING', 'the upload has no file part named "artifact"; send it with curl -F artifact=@model.onnx', {
          errors: [{ field: 'artifact', message: 'required' }],
        });
      }
      const artifact = stored;
      const { created, deliveries } = await this.dataSource.transaction(async (manager) => {
        const row = await manager.save(
          manager.create(ModelVersionEntity, {
            modelId: model.id,
            version: artifact.version,
            status: 'pending',
            statusReason: null,
            sha256: artifact.sha256,
            sizeBytes: artifact.sizeBytes,
            artifactUri: artifact.uri,
            signature: null,
            metadata,
            validation: null,
            createdBy: actor,
          }),
        );
        const data = { model: model.name, version: row.version, sha256: row.sha256, size_bytes: row.sizeBytes, created_by: actor };
        return { created: row, deliveries: await recordEvent(manager, { type: 'version.created', modelName: model.name, data }) };
      });
      await this.validationQueue.enqueue(created.id);
      await this.webhooks.notify(deliveries);
      return created;
    } catch (error) {
      if (stored) await this.discard(stored.key);
      throw asUploadError(error);
    }
  }

  private async nextVersionNumber(model: ModelEntity): Promise<number> {
    // The row lock taken by UPDATE serialises concurrent uploads for a moment, not for the upload's length.
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ModelEntity)
      .set({ lastVersion: () => 'last_version + 1' })
      .where('id = :id', { id: model.id })
      .returning('last_version')
      .execute();
    return (result.raw as Array<{ last_version: number }>)[0].last_version;
  }

  private async storeArtifact(model: ModelEntity, part: MultipartFile, stalled: AbortSignal): Promise<StoredArtifact> {
    const limit = this.config.get('MAX_ARTIFACT_BYTES');
    const hashing = new HashingStream();
    const tooLarge = () =>
      new DomainError('ARTIFACT_TOO_LARGE', `the artifact exceeds the limit of ${limit} bytes (MAX_ARTIFACT_BYTES); nothing was stored`);
    // Every listener goes on before the first await: busboy reports a body that ends inside this part
    // by emitting 'error' on it once, at once, and a listener added later would wait forever.
    // put() reports a failure of `hashing`; this listener keeps one raised before put() has attached
    // its own from surfacing as an unhandled 'error' event.
    hashing.on('error', () => undefined);
    part.file.on('limit', () => hashing.destroy(tooLarge()));
    part.file.on('error', (error) => hashing.destroy(asUploadError(error) as Error));
    // A part that closes before its end (busboy gave up on the body) would leave `hashing` waiting.
    const abandoned = () => {
      if (!part.file.readableEnded) hashing.destroy(asUploadError(part.file.errored ?? incompleteUpload()) as Error);
    };
    part.file.on('close', abandoned);
    if (part.file.destroyed) abandoned();
    const onStalled = () => hashing.destroy(stalled.reason as Error);
    stalled.addEventListener('abort', onStalled, { once: true });
    part.file.pipe(hashing);
    try {
      const version = await this.nextVersionNumber(model);
      if (hashing.errored) throw hashing.errored;
      const key = artifactKey(model.name, version);
      let uri: string;
      try {
        ({ uri } = await this.store.put(key, hashing));
      } catch (error) {
        await this.discard(key);
        throw error;
      }
      if (part.file.truncated) {
        await this.discard(key);
        throw tooLarge();
      }
      if (hashing.bytes === 0) {
        await this.discard(key);
        throw new DomainError('ARTIFACT_EMPTY', 'the "artifact" part is empty; attach the .onnx file', {
          errors: [{ field: 'artifact', message: 'empty file' }],
        });
      }
      return { key, uri, version, sha256: hashing.digest(), sizeBytes: hashing.bytes };
    } finally {
      stalled.removeEventListener('abort', onStalled);
    }
  }

  private async discard(key: string): Promise<void> {
    try {
      await this.store.delete(key);
    } catch (error) {
      this.logger.error({ err: error, key }, 'could not remove the artifact of a failed upload');
    }
  }

  /**
   * A filtered, ordered page of a model's versions. Keyset paging: the cursor holds the last item's
   * sort key and version number (the tie-breaker), so pages neither skip nor repeat while versions are
   * added. Ordering by a metric lists only the versions that have it.
   */
  async list(modelName: string, search: VersionSearch): Promise<Page<VersionResponse>> {
    const model = await this.modelsService.getByName(modelName);
    const query = this.versions.createQueryBuilder('v').where('v.model_id = :modelId', { modelId: model.id }).limit(search.limit + 1);
    if (search.statuses.length) query.andWhere('v.status IN (:...statuses)', { statuses: search.statuses });
    if (search.approvals.length) {
      const decided = search.approvals.filter((a) => a !== 'none');
      const none = search.approvals.includes('none') ? 'v.approval IS NULL' : 'false';
      query.andWhere(decided.length ? `(v.approval IN (:...decided) OR ${none})` : none, { decided });
    }
    if (Object.keys(search.tags).length) query.andWhere(`v.metadata -> 'tags' @> :tags::jsonb`, { tags: JSON.stringify(search.tags) });
    search.metrics.forEach((bound, i) => {
      query.andWhere(`${metricExpression(bound.metric)} ${COMPARISON_SQL[bound.comparison]} :bound${i}`, { [`bound${i}`]: bound.value });
    });
    if (search.createdAfter) query.andWhere(`${CREATED_MS} > :createdAfter`, { createdAfter: search.createdAfter });
    if (search.createdBefore) query.andWhere(`${CREATED_MS} < :createdBefore`, { createdBefore: search.createdBefore });
    const sql = search.direction === 'asc' ? 'ASC' : 'DESC';
    const beyond = search.direction === 'asc' ? '>' : '<';
    const order = search.order;
    if (order.by === 'version') {
      query.orderBy('v.version', sql);
      if (search.cursor !== undefined) query.andWhere(`v.version ${beyond} :after`, { after: decodeCursor(search.cursor, 'number') });
      return toPage(await query.getMany(), search.limit, (v) => v.version, (v) => presentVersion(model.name, v));
    }
    const sortKey = order.by === 'created_at' ? CREATED_MS : metricExpression(order.metric);
    if (order.by === 'metric') query.andWhere(`${sortKey} IS NOT NULL`);
    query.orderBy(sortKey, sql).addOrderBy('v.version', sql);
    if (search.cursor !== undefined) {
      const [key, version] = decodeCompoundCursor(search.cursor, order.by === 'created_at' ? 'time' : 'number');
      query.andWhere(`(${sortKey}, v.version) ${beyond} (:afterKey, :afterVersion)`, { afterKey: key, afterVersion: version });
    }
    const keyOf = (v: ModelVersionEntity) =>
      `${order.by === 'created_at' ? v.createdAt.toISOString() : String(v.metadata.metrics![order.metric])}|${v.version}`;
    return toPage(await query.getMany(), search.limit, keyOf, (v) => presentVersion(model.name, v));
  }

  /**
   * Edits a version's metadata in one transaction with its audit entry: description replaced, tags
   * merged (null removes one), metrics added. A metric it already has with another value is refused:
   * a recorded measurement is evidence, and rewriting it would let a version look better than it was.
   */
  async update(modelName: string, version: number, dto: UpdateVersionDto, actor: string): Promise<ModelVersionEntity> {
    if (dto.description === undefined && dto.tags === undefined && dto.metrics === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'send at least one of description, tags or metrics', {
        errors: [{ field: 'body', message: 'must set description, tags or metrics' }],
      });
    }
    const model = await this.modelsService.getByName(modelName);
    return this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(ModelVersionEntity, { where: { modelId: model.id, version }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw new DomainError('VERSION_NOT_FOUND', `model "${modelName}" has no version ${version}`);
      const edit = editVersionMetadata(found.metadata, dto);
      if (!edit.changed) return found;
      found.metadata = edit.metadata;
      await manager.save(found);
      await manager.insert(AuditEntryEntity, {
        modelId: model.id,
        action: 'version.update',
        scope: 'version',
        version,
        actor,
        reason: null,
        before: edit.before,
        after: edit.after,
      });
      return found;
    });
  }

  async get(modelName: string, version: number): Promise<ModelVersionEntity> {
    const model = await this.modelsService.getByName(modelName);
    const found = await this.versions.findOneBy({ modelId: model.id, version });
    if (!found) throw new DomainError('VERSION_NOT_FOUND', `model "${modelName}" has no version ${version}`);
    return found;
  }

  /**
   * Deletes a version and its bytes. A version that an alias points at is refused: champion and
   * challenger hold traffic, and a label should be moved deliberately, not vanish as a side effect.
   */
  async delete(modelName: string, version: number): Promise<void> {
    const found = await this.get(modelName, version);
    await this.dataSource.transaction(async (manager) => {
      const aliases = await manager.find(ModelAliasEntity, { where: { versionId: found.id }, lock: { mode: 'pessimistic_read' } });
      const names = aliases.map((a) => a.alias).sort();
      if (names.some((name) => TRAFFIC_ALIASES.includes(name))) {
        throw new DomainError('VERSION_HOLDS_TRAFFIC', `version ${version} is ${names.filter((n) => TRAFFIC_ALIASES.includes(n)).join(' and ')}; move traffic off it first`);
      }
      if (names.length) {
        throw new DomainError('VERSION_HAS_ALIASES', `version ${version} is aliased as ${names.join(', ')}; remove or move those aliases first`, {
          extensions: { aliases: names },
        });
      }
      await manager.delete(ModelVersionEntity, { id: found.id });
    });
    await this.discard(artifactKey(modelName, version));
  }

  async openArtifact(modelName: string, version: number): Promise<{ version: ModelVersionEntity; body: Readable }> {
    const found = await this.get(modelName, version);
    return { version: found, body: await this.store.get(artifactKey(modelName, version)) };
  }
}
