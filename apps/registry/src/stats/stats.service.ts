import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildStatsReport, readComparedTraffic, readShadowAggregates, RollupReader, type StatsReport } from '@switchyard/analytics';
import { modelTask } from '@switchyard/deployment-changes';
import { DeploymentsService } from '../deployments/deployments.service';
import { ModelsService } from '../models/models.service';
import type { StatsWindow } from './stats-query';

/** `GET /v1/models/{name}/stats`: per-variant statistics and the comparison, read from the rollups. */
@Injectable()
export class StatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly deployments: DeploymentsService,
  ) {}

  async report(name: string, window: StatsWindow): Promise<StatsReport> {
    const model = await this.models.getByName(name);
    const reader = new RollupReader(this.dataSource.manager);
    const [task, { deployment }, { variants, series }, reference, shadows] = await Promise.all([
      modelTask(this.dataSource.manager, model),
      this.deployments.describe(model),
      reader.variantsAndSeries(name, window, window.stepSeconds),
      reader.inputs(name, window.reference),
      readShadowAggregates(this.dataSource.manager, name, window),
    ]);
    const current = { champion: deployment.champion?.version ?? null, challenger: deployment.challenger?.version ?? null, challenger_percent: deployment.challenger_percent };
    return buildStatsReport({
      compared: await readComparedTraffic(reader, this.dataSource.manager, model, window, current),
      model: name,
      window,
      task,
      deployment: current,
      variants,
      reference: { ...window.reference, ...reference },
      series,
      stepSeconds: window.stepSeconds,
      shadows,
      shadowVersion: deployment.shadow?.version ?? null,
    });
  }
}
