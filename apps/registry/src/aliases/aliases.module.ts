import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { AliasesController } from './aliases.controller';
import { AliasesService } from './aliases.service';

@Module({ imports: [DeploymentsModule], controllers: [AliasesController], providers: [AliasesService] })
export class AliasesModule {}
