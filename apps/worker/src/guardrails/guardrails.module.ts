import { Module } from '@nestjs/common';
import { DeploymentChangesModule } from '@switchyard/deployment-changes';
import { GuardrailEvaluator } from './guardrail-evaluator.service';

@Module({ imports: [DeploymentChangesModule], providers: [GuardrailEvaluator], exports: [GuardrailEvaluator] })
export class GuardrailsModule {}
