import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  ARTIFACT_VALIDATION_QUEUE,
  VALIDATE_VERSION_JOB,
  VALIDATION_JOB_OPTIONS,
  type ValidateVersionPayload,
  validationJobId,
} from '@switchyard/queues';

/**
 * Asks the worker to validate a version. Called after the version's row is committed; if Redis is down
 * the upload still succeeds (its bytes and row are durable) and the worker's sweep of stale pending
 * versions enqueues it later.
 */
@Injectable()
export class ValidationQueue {
  private readonly logger = new Logger(ValidationQueue.name);

  constructor(@InjectQueue(ARTIFACT_VALIDATION_QUEUE) private readonly queue: Queue<ValidateVersionPayload>) {}

  async enqueue(versionId: string): Promise<void> {
    try {
      await this.queue.add(VALIDATE_VERSION_JOB, { versionId }, { ...VALIDATION_JOB_OPTIONS, jobId: validationJobId(versionId) });
    } catch (error) {
      this.logger.warn({ err: error, versionId }, 'could not enqueue validation; the pending sweep will retry');
    }
  }
}
