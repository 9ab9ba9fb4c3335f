import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

@Module({ imports: [DeploymentsModule], controllers: [ModelsController], providers: [ModelsService], exports: [ModelsService] })
export class ModelsModule {}
