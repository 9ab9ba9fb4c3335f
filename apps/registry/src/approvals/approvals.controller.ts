import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '@switchyard/http';
import { ModelNamePipe, VersionNumberPipe } from '../common/path-params';
import { VersionResponse } from '../versions/dto/version.dto';
import { presentVersion } from '../versions/versions.service';
import { ApprovalsService } from './approvals.service';
import { ApproveVersionDto, RejectVersionDto } from './dto/approval.dto';

@ApiTags('versions')
@Controller('v1/models/:name/versions/:version')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Post('approve')
  @HttpCode(200)
  @ApiOkResponse({ type: VersionResponse, description: '*added*: approved; 403 for the uploader\'s own key, 409 if not ready or already decided' })
  async approve(
    @Param('name', ModelNamePipe) name: string,
    @Param('version', VersionNumberPipe) version: number,
    @Body() dto: ApproveVersionDto,
    @Actor() actor: string,
  ): Promise<VersionResponse> {
    return presentVersion(name, await this.approvals.decide(name, version, 'approved', dto.reason ?? null, actor));
  }

  @Post('reject')
  @HttpCode(200)
  @ApiOkResponse({ type: VersionResponse, description: '*added*: rejected, with the reason; 403 for the uploader\'s own key, 409 if already decided' })
  async reject(
    @Param('name', ModelNamePipe) name: string,
    @Param('version', VersionNumberPipe) version: number,
    @Body() dto: RejectVersionDto,
    @Actor() actor: string,
  ): Promise<VersionResponse> {
    return presentVersion(name, await this.approvals.decide(name, version, 'rejected', dto.reason, actor));
  }
}
