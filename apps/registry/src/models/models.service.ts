import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '../../../../libs/errors/src';
import { decodeCursor, ModelEntity, type Page, toPage } from '../../../../libs/persistence/src';
import type { CreateModelDto, ModelResponse, UpdateModelDto } from './dto/model.dto';

const UNIQUE_VIOLATION = '23505';

export function presentModel(model: ModelEntity): ModelResponse {
  return {
    name: model.name,
    description: model.description,
    tags: model.tags,
    latest_version: model.lastVersion,
    aliases: {},
    deployment: null,
    created_by: model.createdBy,
    created_at: model.createdAt.toISOString(),
    updated_at: model.updatedAt.toISOString(),
  };
}

@Injectable()
export class ModelsService {
  constructor(@InjectRepository(ModelEntity) private readonly models: Repository<ModelEntity>) {}

  async create(dto: CreateModelDto, actor: string): Promise<ModelEntity> {
    try {
      return await this.models.save(
        this.models.create({ name: dto.name, description: dto.description ?? '', tags: dto.tags ?? {}, createdBy: actor }),
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

  async list(limit: number, cursor?: string): Promise<Page<ModelResponse>> {
    const query = this.models.createQueryBuilder('m').orderBy('m.name', 'ASC').limit(limit + 1);
    if (cursor !== undefined) query.where('m.name > :after', { after: decodeCursor(cursor, 'string') });
    return toPage(await query.getMany(), limit, (m) => m.name, presentModel);
  }

  async getByName(name: string): Promise<ModelEntity> {
    const model = await this.models.findOneBy({ name });
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model named "${name}"; register it with POST /v1/models`);
    return model;
  }

  async update(name: string, dto: UpdateModelDto): Promise<ModelEntity> {
    const model = await this.getByName(name);
    if (dto.description !== undefined) model.description = dto.description;
    if (dto.tags !== undefined) model.tags = dto.tags;
    return this.models.save(model);
  }
}
