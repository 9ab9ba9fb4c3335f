import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DASHBOARD_CSP, DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page';

/** Chart.js's browser build, read once from the installed package (nothing fetched from a CDN). */
const CHART_JS = readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');

/** `/dashboard`: a static page with no data of its own; it reads the JSON API with the operator's key. */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @Header('content-security-policy', DASHBOARD_CSP)
  // frame-ancestors for browsers that predate it.
  @Header('x-frame-options', 'DENY')
  page(): string {
    return DASHBOARD_HTML;
  }

  @Get('dashboard.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  script(): string {
    return DASHBOARD_JS;
  }

  @Get('chart.umd.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  chart(): string {
    return CHART_JS;
  }
}
