import { Module } from '@nestjs/common';
import { EventsModule } from '@switchyard/events';
import { ModelsModule } from '../models/models.module';
import { VersionsController } from './versions.controller';
import { ValidationQueue } from './validation-queue';
import { VersionsService } from './versions.service';

@Module({ imports: [ModelsModule, EventsModule], controllers: [VersionsController], providers: [VersionsService, ValidationQueue], exports: [VersionsService] })
export class VersionsModule {}
