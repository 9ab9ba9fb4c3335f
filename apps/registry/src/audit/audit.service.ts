import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditEntryEntity, decodeCursor, type Page, toPage } from '@switchyard/persistence';
import { ModelsService } from '../models/models.service';
import type { AuditEntryResponse } from './dto/audit.dto';

function present(entry: AuditEntryEntity): AuditEntryResponse {
  return {
    id: Number(entry.id),
    action: entry.action,
    scope: entry.scope,
    version: entry.version,
    actor: entry.actor,
    reason: entry.reason,
    at: entry.createdAt.toISOString(),
    before: entry.before,
    after: entry.after,
  };
}

@Injectable()
export class AuditService {
  constructor(
    private readonly models: ModelsService,
    @InjectRepository(AuditEntryEntity) private readonly entries: Repository<AuditEntryEntity>,
  ) {}

  /** Newest first. */
  async list(modelName: string, limit: number, cursor?: string): Promise<Page<AuditEntryResponse>> {
    const model = await this.models.getByName(modelName);
    const query = this.entries
      .createQueryBuilder('a')
      .where('a.model_id = :modelId', { modelId: model.id })
      .orderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (cursor !== undefined) query.andWhere('a.id < :after', { after: decodeCursor(cursor, 'number') });
    return toPage(await query.getMany(), limit, (entry) => Number(entry.id), present);
  }
}
