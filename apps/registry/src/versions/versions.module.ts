import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

@Module({ imports: [ModelsModule], controllers: [VersionsController], providers: [VersionsService], exports: [VersionsService] })
export class VersionsModule {}
