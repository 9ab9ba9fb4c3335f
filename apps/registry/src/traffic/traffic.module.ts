import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { TrafficController } from './traffic.controller';
import { TrafficService } from './traffic.service';

@Module({ imports: [DeploymentsModule], controllers: [TrafficController], providers: [TrafficService] })
export class TrafficModule {}
