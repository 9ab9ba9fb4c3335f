import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { TypedConfig } from '@switchyard/config';
import { PeriodicTask } from '../periodic-task';
import { ModelVersionEntity } from '@switchyard/persistence';
import {
  ARTIFACT_VALIDATION_QUEUE,
  VALIDATE_VERSION_JOB,
  VALIDATION_JOB_OPTIONS,
  type ValidateVersionPayload,
  validationJobId,
} from '@switchyard/queues';

/** Oldest first; a larger backlog is worked through over the following sweeps. */
const SWEEP_BATCH = 500;

/**
 * Makes sure no version stays pending forever. The registry enqueues a validation after committing a
 * version, but that enqueue can fail (Redis down) and a job can end without changing the version
 * (its last attempt failed on the database). Every PENDING_SWEEP_INTERVAL_MS this re-enqueues the
 * versions pending for longer than PENDING_STALE_AFTER_MS whose job is missing or finished. A job
 * still waiting, delayed (retrying) or active is left alone. Several workers may sweep at once:
 * the deterministic job id makes their adds collapse into one job.
 */
@Injectable()
export class PendingSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PendingSweep.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly config: TypedConfig,
    @InjectRepository(ModelVersionEntity) private readonly versions: Repository<ModelVersionEntity>,
    @InjectQueue(ARTIFACT_VALIDATION_QUEUE) private readonly queue: Queue<ValidateVersionPayload>,
  ) {
    this.task = new PeriodicTask(
      config.get('PENDING_SWEEP_INTERVAL_MS'),
      async () => {
        const count = await this.sweep();
        if (count > 0) this.logger.log({ count }, 're-enqueued validation of stale pending versions');
      },
      (error) => this.logger.error({ err: error }, 'pending-version sweep failed; it runs again next interval'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Returns how many versions were enqueued. */
  async sweep(): Promise<number> {
    // Age is judged by the database's clock, the one that stamped created_at, not by this host's.
    const stale = await this.versions
      .createQueryBuilder('v')
      .select('v.id')
      .where('v.status = :pending', { pending: 'pending' })
      .andWhere(`v.created_at < now() - make_interval(secs => :staleSeconds)`, {
        staleSeconds: this.config.get('PENDING_STALE_AFTER_MS') / 1000,
      })
      .orderBy('v.created_at', 'ASC')
      .limit(SWEEP_BATCH)
      .getMany();
    let enqueued = 0;
    for (const { id } of stale) if (await this.enqueue(id)) enqueued++;
    return enqueued;
  }

  private async enqueue(versionId: string): Promise<boolean> {
    const jobId = validationJobId(versionId);
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      // Adding a job whose id is still stored, even finished, is silently ignored by BullMQ.
      await existing.remove();
    }
    await this.queue.add(VALIDATE_VERSION_JOB, { versionId }, { ...VALIDATION_JOB_OPTIONS, jobId });
    return true;
  }
}
