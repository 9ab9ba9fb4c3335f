import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TypedConfig } from '@switchyard/config';
import { DeploymentChangesService } from '@switchyard/deployment-changes';
import { DomainError } from '@switchyard/errors';
import { type GuardrailConfig, type GuardrailEvaluation, guardrailEvaluationKey, ModelEntity } from '@switchyard/persistence';
import { REDIS_CLIENT } from '@switchyard/queues';
import { ModelsService } from '../models/models.service';
import type { GuardrailDto, GuardrailResponse } from './guardrail.dto';

/** A model's guardrail: set, read and removed here (audited like any deployment change), evaluated by the worker. */
@Injectable()
export class GuardrailsService {
  private readonly evaluations: string;

  constructor(
    private readonly models: ModelsService,
    private readonly changes: DeploymentChangesService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: TypedConfig,
  ) {
    this.evaluations = guardrailEvaluationKey(config.get('REDIS_PREFIX'));
  }

  async get(name: string): Promise<GuardrailResponse> {
    const model = await this.models.getByName(name);
    let evaluation: GuardrailEvaluation | null = null;
    try {
      const raw = await this.redis.hget(this.evaluations, name);
      evaluation = raw ? (JSON.parse(raw) as GuardrailEvaluation) : null;
    } catch {
      // The last evaluation is a convenience; the guardrail itself comes from PostgreSQL.
    }
    return { model: name, guardrail: model.guardrail, last_evaluation: model.guardrail ? evaluation : null };
  }

  async set(name: string, dto: GuardrailDto, actor: string): Promise<GuardrailResponse> {
    const guardrail: GuardrailConfig = {
      max_error_rate_increase: dto.max_error_rate_increase ?? null,
      max_p99_latency_ratio: dto.max_p99_latency_ratio ?? null,
      trip_on_worse_outcome: dto.trip_on_worse_outcome ?? false,
      trip_on_worse_quality: dto.trip_on_worse_quality ?? false,
      min_requests: dto.min_requests ?? 100,
      window_minutes: dto.window_minutes ?? 60,
    };
    if (guardrail.max_error_rate_increase === null && guardrail.max_p99_latency_ratio === null && !guardrail.trip_on_worse_outcome && !guardrail.trip_on_worse_quality) {
      const message = 'a guardrail needs at least one check: max_error_rate_increase, max_p99_latency_ratio, trip_on_worse_outcome or trip_on_worse_quality';
      throw new DomainError('VALIDATION_FAILED', message, { errors: [{ field: 'max_error_rate_increase', message }] });
    }
    await this.write(name, guardrail, actor);
    return this.get(name);
  }

  async remove(name: string, actor: string): Promise<void> {
    await this.write(name, null, actor);
    await this.redis.hdel(this.evaluations, name).catch(() => undefined);
  }

  private async write(name: string, guardrail: GuardrailConfig | null, actor: string): Promise<void> {
    await this.changes.apply({ modelName: name, actor, action: 'guardrail.set' }, async (context) => {
      context.model.guardrail = guardrail;
      await context.manager.update(ModelEntity, { id: context.model.id }, { guardrail });
    });
  }
}
