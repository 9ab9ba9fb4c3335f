import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { type QueryDeepPartialEntity, Repository } from 'typeorm';
import { isDomainError } from '../../../../libs/errors/src';
import { type ModelSignature, signatureOfSession, zeroFeeds } from '../../../../libs/onnx/src';
import { ModelVersionEntity } from '../../../../libs/persistence/src';
import { ARTIFACT_STORE, type ArtifactStore, keyFromUri } from '../../../../libs/storage/src';
import { failureReason, messageOf, storeUnreadableReason, type ValidationStep } from './failure-reason';
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

type SmokeTest =
  | { ok: true; signature: ModelSignature; loadMs: number; inferenceMs: number }
  | { ok: false; step: ValidationStep; error: unknown };

const RUNTIME = `onnxruntime-node ${ort.env.versions.node}`;

/**
 * onnxruntime writes its own error lines to stderr when a session fails to load; the failure is
 * reported through the version's status_reason and our log instead.
 */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { logSeverityLevel: 4 };

@Injectable()
export class ArtifactValidationService {
  private readonly logger = new Logger(ArtifactValidationService.name);

  constructor(
    @InjectRepository(ModelVersionEntity) private readonly versions: Repository<ModelVersionEntity>,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /**
   * Validates a pending version: reads its artifact from the store and checks it against the row,
   * loads it in onnxruntime, runs one inference on zeros, and records signature, timings and status.
   * A model that cannot load fails the version at once. A store that cannot be read throws
   * ArtifactStoreUnavailableError so the job is retried, until the last attempt, which fails the version.
   * Safe to run again or concurrently: only a version still `pending` is changed.
   */
  async validate(versionId: string, attempt: Attempt): Promise<ValidationOutcome> {
    const version = await this.versions.findOneBy({ id: versionId });
    if (version?.status !== 'pending') return 'skipped';

    let bytes: Buffer;
    try {
      bytes = await this.readArtifact(version);
    } catch (error) {
      if (!(error instanceof ArtifactStoreUnavailableError)) return this.fail(version, failureReason('read', error), error);
      if (attempt.number < attempt.of) throw error;
      return this.fail(version, storeUnreadableReason(attempt.of, error.cause), error);
    }

    const result = await smokeTest(bytes);
    if (!result.ok) return this.fail(version, failureReason(result.step, result.error), result.error);
    return this.finish(version.id, {
      status: 'ready',
      statusReason: null,
      signature: result.signature,
      validation: {
        runtime: RUNTIME,
        load_ms: roundMs(result.loadMs),
        inference_ms: roundMs(result.inferenceMs),
        validated_at: new Date().toISOString(),
      },
    });
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

  private async fail(version: ModelVersionEntity, reason: string, error: unknown): Promise<ValidationOutcome> {
    this.logger.warn({ err: error, versionId: version.id, reason }, 'version failed validation');
    return this.finish(version.id, { status: 'failed', statusReason: reason, signature: null, validation: null });
  }

  /**
   * The update is conditional on the version still being pending, so a validation that was retaken
   * after its worker stalled, or a version deleted meanwhile, cannot be overwritten.
   */
  private async finish(
    versionId: string,
    changes: QueryDeepPartialEntity<ModelVersionEntity> & { status: 'ready' | 'failed' },
  ): Promise<ValidationOutcome> {
    const result = await this.versions.update({ id: versionId, status: 'pending' }, changes);
    return result.affected === 1 ? changes.status : 'skipped';
  }
}

/**
 * Loads from bytes, never from a file path: onnxruntime resolves external-data files relative to a
 * model's path, which would let an uploaded model read files next to it; from bytes it refuses them.
 */
async function smokeTest(bytes: Uint8Array): Promise<SmokeTest> {
  const loadStarted = performance.now();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (error) {
    return { ok: false, step: 'load', error };
  }
  const loadMs = performance.now() - loadStarted;
  try {
    let signature: ModelSignature;
    try {
      signature = signatureOfSession(session);
    } catch (error) {
      return { ok: false, step: 'load', error };
    }
    const inferenceStarted = performance.now();
    try {
      await session.run(zeroFeeds(signature));
    } catch (error) {
      return { ok: false, step: 'inference', error };
    }
    return { ok: true, signature, loadMs, inferenceMs: performance.now() - inferenceStarted };
  } finally {
    await session.release();
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
