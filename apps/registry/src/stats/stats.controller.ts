import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { StatsReport } from '@switchyard/analytics';
import { ModelNamePipe } from '../common/path-params';
import { parseStatsQuery, type RawStatsQuery } from './stats-query';
import { STATS_REPORT_SCHEMA } from './stats.openapi';
import { StatsService } from './stats.service';

@ApiTags('stats')
@Controller('v1/models/:name/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiQuery({ name: 'from', required: false, description: 'RFC 3339; default: 24 hours before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'RFC 3339; default: now' })
  @ApiQuery({ name: 'reference_from', required: false, description: 'drift reference window start; default: the window of the same length before `from`' })
  @ApiQuery({ name: 'reference_to', required: false, description: 'drift reference window end (with reference_from)' })
  @ApiQuery({ name: 'step', required: false, description: 'seconds per point of the time series (a multiple of 60); default: about 120 points' })
  @ApiOkResponse({ schema: STATS_REPORT_SCHEMA, description: 'per-variant statistics, the comparison of challenger with champion, the verdict and a time series' })
  report(@Param('name', ModelNamePipe) name: string, @Query() query: Record<string, string>): Promise<StatsReport> {
    return this.stats.report(name, parseStatsQuery(query as RawStatsQuery));
  }
}
