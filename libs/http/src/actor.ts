import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

const ACTOR = /^[\w .@:/+-]{1,200}$/;

/** Who is making a change, from `X-Actor` (the API-key work will replace this); `anonymous` when absent. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const header = context.switchToHttp().getRequest<FastifyRequest>().headers['x-actor'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACTOR.test(value) ? value : 'anonymous';
});
