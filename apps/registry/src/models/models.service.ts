import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '@switchyard/errors';
import { AuditEntryEntity, decodeCursor, ModelEntity, type Page, toPage } from '@switchyard/persistence';
import { DeploymentChangesService } from '@switchyard/deployment-changes';
import { DeploymentsService } from '../deployments/deployments.service';
import type { ModelSearch } from '../common/search-query';
import type { CreateModelDto, ModelResponse, ModelSummary, UpdateModelDto } from './dto/model.dto';

const UNIQUE_VIOLATION = '23505';

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

export function presentModelSummary(model: ModelEntity): ModelSummary {
  return {
    name: model.name,
    description: model.description,
    tags: model.tags,
    latest_version: model.lastVersion,
    batching: model.batching,
    task: model.task,
    labels: model.labels,
    require_approval: model.requireApproval,
    created_by: model.createdBy,
    created_at: model.createdAt.toISOString(),
    updated_at: model.updatedAt.toISOString(),
  };
}

@Injectable()
export class ModelsService {
  constructor(
    @InjectRepository(ModelEntity) private readonly models: Repository<ModelEntity>,
    private readonly deployments: DeploymentsService,
    private readonly changes: DeploymentChangesService,
  ) {}

  /** One model with its aliases and current deployment. */
  async present(model: ModelEntity): Promise<ModelResponse> {
    const { deployment, aliases } = await this.deployments.describe(model);
    return {
      ...presentModelSummary(model),
      aliases: Object.fromEntries([...aliases].map(([name, target]) => [name, target.version.version])),
      deployment,
    };
  }

  async create(dto: CreateModelDto, actor: string): Promise<ModelEntity> {
    try {
      return await this.models.save(
        this.models.create({ name: dto.name, description: dto.description ?? '', tags: dto.tags ?? {}, task: dto.task ?? null, labels: dto.labels ?? null, requireApproval: dto.require_approval ?? false, createdBy: actor }),
      );
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new DomainError('MODEL_ALREADY_EXISTS', `a model named "${dto.name}" already exists`, {
          errors: [{ field: 'name', message: 'already taken' }],
        });
      }
      throw error;
    }
  }

  /** `visible`: the models a key limited to some may see (null: all). */
  async list(search: ModelSearch, visible: string[] | null = null): Promise<Page<ModelSummary>> {
    const query = this.models.createQueryBuilder('m').where('true').orderBy('m.name', 'ASC').limit(search.limit + 1);
    if (search.cursor !== undefined) query.andWhere('m.name > :after', { after: decodeCursor(search.cursor, 'string') });
    if (visible !== null) query.andWhere('m.name IN (:...visible)', { visible });
    if (Object.keys(search.tags).length) query.andWhere('m.tags @> :tags::jsonb', { tags: JSON.stringify(search.tags) });
    if (search.text !== undefined) {
      // The text is a literal substring: LIKE's wildcards and escape character in it match themselves.
      const pattern = `%${search.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.andWhere('(m.name ILIKE :pattern OR m.description ILIKE :pattern)', { pattern });
    }
    return toPage(await query.getMany(), search.limit, (m) => m.name, presentModelSummary);
  }

  /** Description, tags and require_approval, replaced as sent, in one transaction with the audit entry (none when nothing changed). */
  private async updateMetadata(name: string, dto: UpdateModelDto, actor: string): Promise<void> {
    await this.models.manager.transaction(async (manager) => {
      const model = await manager.findOne(ModelEntity, { where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model named "${name}"; register it with POST /v1/models`);
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      if (dto.description !== undefined && dto.description !== model.description) {
        before.description = model.description;
        after.description = dto.description;
      }
      if (dto.tags !== undefined && !sameTags(dto.tags, model.tags)) {
        before.tags = model.tags;
        after.tags = dto.tags;
      }
      if (dto.require_approval !== undefined && dto.require_approval !== model.requireApproval) {
        before.require_approval = model.requireApproval;
        after.require_approval = dto.require_approval;
      }
      if (!Object.keys(after).length) return;
      await manager.update(ModelEntity, { id: model.id }, {
        description: (after.description as string | undefined) ?? model.description,
        tags: (after.tags as Record<string, string> | undefined) ?? model.tags,
        requireApproval: (after.require_approval as boolean | undefined) ?? model.requireApproval,
      });
      await manager.insert(AuditEntryEntity, { modelId: model.id, action: 'model.update', scope: 'model', version: null, actor, reason: null, before, after });
    });
  }

  async getByName(name: string): Promise<ModelEntity> {
    const model = await this.models.findOneBy({ name });
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model named "${name}"; register it with POST /v1/models`);
    return model;
  }

  /**
   * Description and tags are plain metadata. Batching, task and labels change what the gateways do, so
   * they are deployment changes like an alias: audited, with a new revision the gateways pick up.
   */
  async update(name: string, dto: UpdateModelDto, actor: string): Promise<ModelEntity> {
    await this.updateMetadata(name, dto, actor);
    if (dto.batching !== undefined) {
      const batching = dto.batching === null ? null : { max_batch_size: dto.batching.max_batch_size, max_delay_ms: dto.batching.max_delay_ms };
      await this.changes.apply({ modelName: name, actor, action: 'batching.set' }, async (context) => {
        context.model.batching = batching;
        await context.manager.update(ModelEntity, { id: context.model.id }, { batching });
      });
    }
    if (dto.task !== undefined || dto.labels !== undefined) {
      // The gateways read task and labels to summarise predictions and check feedback: a deployment change.
      await this.changes.apply({ modelName: name, actor, action: 'task.set' }, async (context) => {
        if (dto.task !== undefined) context.model.task = dto.task;
        if (dto.labels !== undefined) context.model.labels = dto.labels;
        await context.manager.update(ModelEntity, { id: context.model.id }, { task: context.model.task, labels: context.model.labels });
      });
    }
    return this.getByName(name);
  }
}
