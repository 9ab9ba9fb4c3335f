import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({ imports: [ModelsModule], controllers: [AuditController], providers: [AuditService] })
export class AuditModule {}
