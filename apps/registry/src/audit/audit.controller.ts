import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ListQueryDto } from '../common/list-query.dto';
import { ModelNamePipe } from '../common/path-params';
import { AuditService } from './audit.service';
import { AuditPage } from './dto/audit.dto';

@ApiTags('audit')
@Controller('v1/models/:name/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage, description: 'every alias, traffic, promote and rollback change, newest first' })
  list(@Param('name', ModelNamePipe) name: string, @Query() query: ListQueryDto): Promise<AuditPage> {
    return this.audit.list(name, query.limit, query.cursor);
  }
}
