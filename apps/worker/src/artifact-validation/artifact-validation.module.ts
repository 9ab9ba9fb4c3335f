import { Module } from '@nestjs/common';
import { EventsModule } from '@switchyard/events';
import { MetricsModule } from '@switchyard/http';
import { ArtifactValidationService } from './artifact-validation.service';
import { ArtifactValidationWorker } from './artifact-validation.worker';
import { PendingSweep } from './pending-sweep';
import { RuntimeSandbox } from './runtime-sandbox';
import { ValidationMetrics } from './validation-metrics';

/**
 * Validates uploaded versions: the BullMQ worker of the artifact-validation queue, and the sweep
 * that re-enqueues versions whose job was lost. Repositories, the artifact store, the queue and
 * configuration come from the global modules the worker app imports.
 */
@Module({
  imports: [MetricsModule, EventsModule],
  providers: [ArtifactValidationService, ArtifactValidationWorker, PendingSweep, RuntimeSandbox, ValidationMetrics],
})
export class ArtifactValidationModule {}
