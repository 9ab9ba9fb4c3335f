import { Module } from '@nestjs/common';
import { IngestionMetrics } from './ingestion-metrics';
import { PredictionIngestion } from './prediction-ingestion.service';
import { PredictionRetention } from './prediction-retention.service';

@Module({ providers: [IngestionMetrics, PredictionIngestion, PredictionRetention], exports: [PredictionIngestion, PredictionRetention] })
export class PredictionLogModule {}
