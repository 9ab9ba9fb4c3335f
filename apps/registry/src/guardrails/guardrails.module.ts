import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { ModelsModule } from '../models/models.module';
import { GuardrailsController } from './guardrails.controller';
import { GuardrailsService } from './guardrails.service';

@Module({ imports: [ModelsModule, DeploymentsModule], controllers: [GuardrailsController], providers: [GuardrailsService] })
export class GuardrailsModule {}
