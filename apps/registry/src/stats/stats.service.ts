import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bothLiveRanges, buildStatsReport, type ComparedTraffic, RollupReader, type StatsReport } from '@switchyard/analytics';
import type { ModelEntity } from '@switchyard/persistence';
import type { DeploymentResponse } from '../deployments/dto/deployment.dto';
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
    const [task, { deployment }, variants, reference, series] = await Promise.all([
      modelTask(this.dataSource.manager, model),
      this.deployments.describe(model),
      reader.variants(name, window),
      reader.inputs(name, window.reference),
      reader.series(name, window, window.stepSeconds),
    ]);
    return buildStatsReport({
      compared: await this.compared(model, window, deployment, reader),
      model: name,
      window,
      task,
      deployment: { champion: deployment.champion?.version ?? null, challenger: deployment.challenger?.version ?? null, challenger_percent: deployment.challenger_percent },
      variants,
      reference: { ...window.reference, ...reference },
      series,
      stepSeconds: window.stepSeconds,
    });
  }

  /** Champion and challenger traffic from the minutes when the current two versions were both live, with the weights then. */
  private async compared(model: ModelEntity, window: StatsWindow, deployment: DeploymentResponse, reader: RollupReader): Promise<ComparedTraffic | null> {
    const champion = deployment.champion?.version;
    const challenger = deployment.challenger?.version;
    if (champion === undefined || challenger === undefined) return null;
    const timeline = await this.deployments.timeline(model, window, deployment);
    const ranges = bothLiveRanges(timeline, window, champion, challenger, 'any');
    if (ranges.length === 0) return { ranges, variants: [], minutes: [], timeline };
    const whole = bothLiveRanges(timeline, window, champion, challenger, 'whole');
    const [variants, minutes] = await Promise.all([
      reader.variants(model.name, window, { champion, challenger, ranges }),
      whole.length === 0 ? [] : reader.minuteSplits(model.name, window, { champion, challenger, ranges: whole }),
    ]);
    return { ranges, variants, minutes, timeline };
  }
}
