import { Module } from '@nestjs/common';
import { DeploymentChangesModule } from '../../../../libs/deployment-changes/src';
import { GuardrailEvaluator } from './guardrail-evaluator.service';

@Module({ imports: [DeploymentChangesModule], providers: [GuardrailEvaluator], exports: [GuardrailEvaluator] })
export class GuardrailsModule {}
