import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';

const PAGING = [
  ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' }),
  ApiQuery({ name: 'cursor', required: false, description: 'next_cursor from the previous page (with the same order_by and order)' }),
];

/** *added*: the filters and orderings of GET /v1/models/{name}/versions. */
export function ApiVersionSearch(): MethodDecorator {
  return applyDecorators(
    ...PAGING,
    ApiQuery({ name: 'status', required: false, description: 'pending, ready or failed; several comma-separated' }),
    ApiQuery({ name: 'approval', required: false, description: 'approved, rejected or none; several comma-separated' }),
    ApiQuery({ name: 'tag.<key>', required: false, description: 'a tag the version must have, e.g. tag.team=risk; repeat for several' }),
    ApiQuery({ name: 'metric.<name>_lt', required: false, description: 'a bound on a metric: _lt, _lte, _gt or _gte, e.g. metric.rmse_lt=0.3 (a version without the metric does not match)' }),
    ApiQuery({ name: 'created_after', required: false, description: 'RFC 3339' }),
    ApiQuery({ name: 'created_before', required: false, description: 'RFC 3339' }),
    ApiQuery({ name: 'order_by', required: false, description: 'version (default), created_at or metric.<name> (lists only versions that have the metric)' }),
    ApiQuery({ name: 'order', required: false, description: 'desc (default) or asc' }),
  );
}

/** *added*: the filters of GET /v1/models. */
export function ApiModelSearch(): MethodDecorator {
  return applyDecorators(
    ...PAGING,
    ApiQuery({ name: 'q', required: false, description: 'a substring of the name or the description, case-insensitive' }),
    ApiQuery({ name: 'tag.<key>', required: false, description: 'a tag the model must have, e.g. tag.team=risk' }),
  );
}
