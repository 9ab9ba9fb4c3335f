import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  accessFor,
  type ApiKeyRecord,
  type AppName,
  bearerToken,
  effectiveRoles,
  grants,
  hashSecret,
  modelOfRequest,
  parseKey,
  ProvenSecrets,
  rateLimitOf,
  type Role,
  ruleFor,
  secretMatches,
  type TokenBuckets,
} from '@switchyard/auth';
import { DomainError, sendOipError, sendProblem, toProblem } from '@switchyard/errors';
import { installRouteUrl, routeUrlOf } from './route-url';

/** The key a request was authenticated with; null when auth is off or the route is public. */
export interface Principal {
  id: string;
  name: string;
  roles: Role[];
  models: string[] | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Where the guard finds key records: Postgres on the registry, the mirrored cache on a gateway. */
export interface KeyLookup {
  /** False until the records could be read once (a gateway before its first load): requests get 503. */
  readonly ready: boolean;
  find(id: string): Promise<ApiKeyRecord | undefined> | ApiKeyRecord | undefined;
}

export const KEY_LOOKUP = Symbol('KEY_LOOKUP');

export interface AccessGuardOptions {
  app: AppName;
  enabled: boolean;
  /** Absent on an app whose routes are all public (the worker). */
  keys?: KeyLookup;
  /** Per-key request budgets, for keys that have a limit (the gateway). */
  rateLimit?: TokenBuckets;
  oipRoutes?: RegExp;
}

/** A salt and hash no secret matches, checked when the id is unknown so both refusals take as long. */
const DECOY = { salt: '00'.repeat(16), hash: hashSecret('00'.repeat(16), 'decoy') };

const UNAUTHENTICATED_DETAIL =
  'this route needs a valid API key: send "Authorization: Bearer <key>" (an admin creates keys with POST /v1/keys)';

/** A refusal: the error to answer with and the headers it needs (WWW-Authenticate, Retry-After). */
export class AccessRefused {
  constructor(
    readonly error: DomainError,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Secrets proven against their keys' hashes, shared by every protocol's check in this process. */
const provenSecrets = new ProvenSecrets();

type Authentication = Principal | AccessRefused;

/**
 * Who holds this bearer token, or why not: the one key check under every protocol (HTTP routes here,
 * the gateway's gRPC service too). The rate limit is taken from the key's budget on success.
 * Synchronous when the lookup is (the gateway's mirrored keys), so a prediction costs no promise.
 */
export function authenticate(token: string | undefined, keys: KeyLookup | undefined, rateLimit?: TokenBuckets): Authentication | Promise<Authentication> {
  if (!token) return new AccessRefused(new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_DETAIL), { 'WWW-Authenticate': 'Bearer' });
  if (!keys?.ready) return new AccessRefused(new DomainError('DEPENDENCY_UNAVAILABLE', 'API keys have not been loaded yet; retry shortly'));
  const parsed = parseKey(token);
  if (!parsed) return admit(undefined, '', rateLimit);
  const found = keys.find(parsed.id);
  return found instanceof Promise ? found.then((record) => admit(record, parsed.secret, rateLimit)) : admit(found, parsed.secret, rateLimit);
}

function admit(record: ApiKeyRecord | undefined, secret: string, rateLimit: TokenBuckets | undefined): Authentication {
  if (!record) {
    // An unknown id (or a malformed key) costs a hash too, so its refusal takes as long as a wrong secret's.
    secretMatches(DECOY, secret);
    return invalidKey();
  }
  if (!provenSecrets.matches(record, secret) || record.revoked) return invalidKey();
  if (rateLimit) {
    const taken = rateLimit.take(record.id, rateLimitOf(record));
    if (!taken.allowed) {
      return new AccessRefused(
        new DomainError('RATE_LIMITED', `this key is over its rate limit (this gateway's share of the limit an admin set on it); retry after ${taken.retryAfterSeconds} s`),
        { 'Retry-After': String(taken.retryAfterSeconds) },
      );
    }
  }
  return { id: record.id, name: record.name, roles: record.roles, models: record.models };
}

function invalidKey(): AccessRefused {
  return new AccessRefused(new DomainError('UNAUTHENTICATED', UNAUTHENTICATED_DETAIL), { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
}

/** Whether the principal may make a request that needs `access` on `model` (undefined: no model). */
export function authorize(principal: Principal, access: Role, model: string | undefined): AccessRefused | undefined {
  if (!grants(principal.roles, access)) {
    const held = effectiveRoles(principal.roles).join(', ');
    return new AccessRefused(new DomainError('FORBIDDEN', `this request needs the "${access}" role; key ${principal.id} has ${held}`, {
      extensions: { required_role: access },
    }));
  }
  if (principal.models && model !== undefined && !principal.models.includes(model)) {
    return new AccessRefused(new DomainError('FORBIDDEN', `key ${principal.id} is limited to the models ${principal.models.join(', ')}; it may not act on "${model}"`));
  }
  return undefined;
}

/**
 * Enforces ROUTE_RULES (libs/auth/src/route-rules.ts) on every route Fastify serves, Nest's and
 * plugins' alike. Authentication runs on request, before the body is read, so an anonymous caller
 * cannot make the server parse a large body; authorisation runs once the body is parsed, because a
 * few rules depend on it. A refused request never reaches a handler, so it changes nothing.
 */
export function installAccessGuard(fastify: FastifyInstance, options: AccessGuardOptions): void {
  const logger = new Logger('AccessGuard');
  fastify.decorateRequest('principal', null);
  installRouteUrl(fastify);

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: DomainError, headers: Record<string, string> = {}): void => {
    const problem = toProblem(error, request.url, logger);
    void reply.headers(headers);
    if (options.oipRoutes?.test(request.url)) sendOipError(reply, problem);
    else sendProblem(reply, problem);
  };

  // Callback-style hooks: every request passes them, and an async hook costs a promise even when it
  // has nothing to do. A hook that answers the request does not call done().
  fastify.addHook('onRequest', (request, reply, done) => {
    const routeUrl = routeUrlOf(request);
    // No route matched: Fastify answers 404 and no handler runs.
    if (routeUrl === undefined) return done();
    const rule = ruleFor(options.app, request.method, routeUrl);
    if (rule === undefined) {
      logger.error(`${request.method} ${routeUrl} has no rule in ROUTE_RULES; refusing it`);
      return refuse(request, reply, new DomainError('FORBIDDEN', 'this route has no access rule; nobody may call it until one is added'));
    }
    if (!options.enabled || rule === 'public') return done();

    const authentication = authenticate(bearerToken(request.headers.authorization), options.keys, options.rateLimit);
    if (authentication instanceof Promise) authentication.then((settled) => admitOrRefuse(request, reply, done, settled), done);
    else admitOrRefuse(request, reply, done, authentication);
  });

  const admitOrRefuse = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void, authentication: Authentication): void => {
    if (!(authentication instanceof AccessRefused)) {
      request.principal = authentication;
      return done();
    }
    try {
      refuse(request, reply, authentication.error, authentication.headers);
    } catch (error) {
      done(error as Error);
    }
  };

  fastify.addHook('preHandler', (request, reply, done) => {
    const principal = request.principal;
    const routeUrl = routeUrlOf(request);
    if (!principal || routeUrl === undefined) return done();
    const input = { params: (request.params ?? {}) as Record<string, string>, body: request.body };
    const access = accessFor(ruleFor(options.app, request.method, routeUrl)!, input);
    if (access === 'public') return done();
    const refused = authorize(principal, access, modelOfRequest(request.method, routeUrl, input));
    if (refused) return refuse(request, reply, refused.error, refused.headers);
    done();
  });
}
