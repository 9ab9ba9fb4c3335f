import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './access-guard';

const ACTOR = /^[\w .@:/+-]{1,200}$/;

/** How a key appears as the actor of a change (audit log, created_by): its id, then its name. */
export function actorOfKey(principal: Principal): string {
  return `key:${principal.id} (${principal.name})`;
}

/**
 * Who an actor string stands for, to compare two of them: a key is its id (its name in the string may
 * have been changed since); anything else is the string itself.
 */
export function actorIdentity(actor: string): string {
  const key = /^key:([^ ]+) \(/.exec(actor);
  return key ? `key:${key[1]}` : actor;
}

/**
 * Who is making a change: the API key the request was authenticated with. With auth off (local
 * experiments) there is no key, and the `X-Actor` header names the actor as before; `anonymous` when
 * absent.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (request.principal) return actorOfKey(request.principal);
  const header = request.headers['x-actor'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACTOR.test(value) ? value : 'anonymous';
});

/** The models the caller's key is limited to (null: every model, or auth is off), for listings. */
export const CallerModels = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string[] | null => context.switchToHttp().getRequest<FastifyRequest>().principal?.models ?? null,
);

/** The key the request was authenticated with (null when auth is off), for a caller asking about itself. */
export const CallerKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | null => context.switchToHttp().getRequest<FastifyRequest>().principal,
);
