import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as ort from 'onnxruntime-node';
import { type QueryDeepPartialEntity, Repository } from 'typeorm';
import { isDomainError } from '@switchyard/errors';
import { recordEvent, WebhookDispatcher } from '@switchyard/events';
import { messageOf, servableGraph, withClassLabels } from '@switchyard/onnx';
import { type ModelSignature, ModelVersionEntity, type ValidationReport } from '@switchyard/persistence';
import { ARTIFACT_STORE, type ArtifactStore, keyFromUri } from '@switchyard/storage';
import { TypedConfig } from '@switchyard/config';
import { failureReason, storeUnreadableReason } from './failure-reason';
import { inspectModel } from './model-inspection';
import { RuntimeSandbox } from './runtime-sandbox';
import { type SmokeOutcome, smokeRun } from './smoke-run';
import { ArtifactIntegrityError, readVerifiedArtifact } from './verified-artifact';

/** Which try of the job this is, counting from 1, and how many the job may have. */
export interface Attempt {
  number: number;
  of: number;
}

/** What a validation did to the version; `skipped` means it was no longer pending and was left alone. */
export type ValidationOutcome = 'ready' | 'failed' | 'skipped';

/** The store could not be read this time (unreachable, timed out, cut off); another attempt may succeed. */
export class ArtifactStoreUnavailableError extends Error {
  constructor(key: string, cause: unknown) {
    super(`could not read ${key} from the artifact store: ${messageOf(cause)}`, { cause });
    this.name = 'ArtifactStoreUnavailableError';
  }
}

const RUNTIME = `onnxruntime-node ${ort.env.versions.node}`;

@Injectable()
export class ArtifactValidationService {
  private readonly logger = new Logger(ArtifactValidationService.name);

  constructor(
    @InjectRepository(ModelVersionEntity) private readonly versions: Repository<ModelVersionEntity>,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly config: TypedConfig,
    private readonly sandbox: RuntimeSandbox,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  /**
   * Validates a pending version: reads its artifact from the store and checks it against the row,
   * inspects it, loads it in onnxruntime and smoke-runs it (in a child process under time and memory
   * limits) on the uploader's input example, or else on synthetic inputs until one runs, and records
   * signature, timings and status. A model that cannot load, meets a limit, or fails on its own example
   * fails the version; one that loads but runs none of the synthetic inputs is ready with warnings,
   * since a guess that does not fit says nothing certain about the model. A store that cannot be read throws
   * ArtifactStoreUnavailableError so the job is retried, until the last attempt, which fails the version.
   * Safe to run again or concurrently: only a version still `pending` is changed.
   */
  async validate(versionId: string, attempt: Attempt): Promise<ValidationOutcome> {
    const version = await this.versions.findOneBy({ id: versionId });
    if (version?.status !== 'pending') return 'skipped';

    // A start that never ended (the worker crashed or hung on this model, or was killed) is counted,
    // so the stalled-job check and the pending sweep cannot hand the same model to workers forever.
    const started = await this.countStart(version.id);
    const maxAttempts = this.config.get('VALIDATION_MAX_ATTEMPTS');
    if (started > maxAttempts) {
      const reason = `validation was started ${maxAttempts} times without finishing (the validator crashed, hung or was stopped on this model); it is not retried`;
      return this.fail(version, reason, new Error(reason));
    }

    let bytes: Buffer;
    try {
      bytes = await this.readArtifact(version);
    } catch (error) {
      if (!(error instanceof ArtifactStoreUnavailableError)) return this.fail(version, failureReason('read', error), error);
      // This attempt ended in an orderly way: only the store was unreachable, which BullMQ retries.
      await this.versions.decrement({ id: version.id }, 'validationAttempts', 1);
      if (attempt.number < attempt.of) throw error;
      return this.fail(version, storeUnreadableReason(attempt.of, error.cause), error);
    }

    // Nothing reaches onnxruntime before onnx-proto has read it and found it self-contained and honest.
    const inspection = inspectModel(bytes);
    if (!inspection.ok) return this.fail(version, inspection.reason, new Error(inspection.reason));

    // What the gateways will load: the same graph, derived where onnxruntime-node cannot return an output.
    const servable = servableGraph(bytes);
    const opened = await this.sandbox.open(servable.bytes);
    if (!opened.ok) return this.fail(version, failureReason('load', opened.error), opened.error);
    const model = opened.model;
    let smoke: SmokeOutcome;
    try {
      smoke = await smokeRun(model, version.metadata.input_example);
    } finally {
      model.close();
    }
    // Whatever the smoke run says, the model loaded: its signature is recorded, failed or not.
    const signature = withClassLabels(model.signature, servable);
    const validation: ValidationReport = {
      runtime: RUNTIME,
      load_ms: roundMs(model.loadMs),
      inference_ms: smoke.kind === 'ran' ? roundMs(smoke.inferenceMs) : null,
      smoke_input: smoke.kind === 'ran' ? smoke.input : null,
      graph_changes: servable.changes,
      warnings: [...servable.warnings, ...(smoke.kind === 'unchecked' ? smoke.warnings : [])],
      validated_at: new Date().toISOString(),
    };
    if (smoke.kind === 'failed') return this.fail(version, smoke.reason, smoke.error, { signature, validation });
    return this.finish(version.id, { status: 'ready', statusReason: null, signature, validation });
  }

  /** Counts one more start of the version's validation; returns the count. */
  private async countStart(versionId: string): Promise<number> {
    const result = await this.versions
      .createQueryBuilder()
      .update()
      .set({ validationAttempts: () => 'validation_attempts + 1' })
      .where('id = :versionId', { versionId })
      .returning(['validationAttempts'])
      .execute();
    return Number((result.raw as Array<{ validation_attempts: number }>)[0]?.validation_attempts ?? 0);
  }

  /** Wrong bytes and missing objects are permanent; anything else from the store may pass. */
  private async readArtifact(version: ModelVersionEntity): Promise<Buffer> {
    const key = keyFromUri(version.artifactUri);
    try {
      return await readVerifiedArtifact(await this.store.get(key), version);
    } catch (error) {
      if (error instanceof ArtifactIntegrityError || (isDomainError(error) && error.code === 'ARTIFACT_NOT_FOUND')) throw error;
      throw new ArtifactStoreUnavailableError(key, error);
    }
  }

  /** `loaded` holds what was learnt of a model that loaded before it failed. */
  private async fail(
    version: ModelVersionEntity,
    reason: string,
    error: unknown,
    loaded: { signature: ModelSignature; validation: ValidationReport } | null = null,
  ): Promise<ValidationOutcome> {
    this.logger.warn({ err: error, versionId: version.id, reason }, 'version failed validation');
    return this.finish(version.id, { status: 'failed', statusReason: reason, signature: loaded?.signature ?? null, validation: loaded?.validation ?? null });
  }

  /**
   * The update is conditional on the version still being pending, so a validation that was retaken
   * after its worker stalled, or a version deleted meanwhile, cannot be overwritten. The
   * `version.ready` or `version.failed` event is written in the same transaction, only by the update
   * that took effect.
   */
  private async finish(
    versionId: string,
    changes: QueryDeepPartialEntity<ModelVersionEntity> & { status: 'ready' | 'failed'; statusReason: string | null },
  ): Promise<ValidationOutcome> {
    const deliveries = await this.versions.manager.transaction(async (manager) => {
      const result = await manager.update(ModelVersionEntity, { id: versionId, status: 'pending' }, changes);
      if (result.affected !== 1) return undefined;
      const version = await manager.findOneOrFail(ModelVersionEntity, { where: { id: versionId }, relations: { model: true } });
      const model = version.model!.name;
      const data = { model, version: version.version, status: changes.status, reason: changes.statusReason, sha256: version.sha256 };
      return recordEvent(manager, { type: changes.status === 'ready' ? 'version.ready' : 'version.failed', modelName: model, data });
    });
    if (deliveries === undefined) return 'skipped';
    await this.webhooks.notify(deliveries);
    return changes.status;
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
