import { accessFor, type AppName, grants, ROLES, type Role, ROUTE_RULES, ruleFor } from '@switchyard/auth';
import { registeredRoutes } from '@switchyard/http';
import { PROTOCOL_ERROR_ROUTES } from '../apps/gateway/src/gateway.app';
import { call } from './support/client';
import { type RunningApp, startWorker } from './support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './support/isolation';
import { createKey } from './support/keys';
import { startServingStack, type ServingStack } from './support/serving-stack';

/**
 * Every route every app registers × every role (and no key), checked against ROUTE_RULES — the table
 * the guard enforces. Routes are read from Fastify as the apps register them, so a new route without
 * a rule fails here, and so does a rule for a route that does not exist.
 *
 * Requests name a model that does not exist (and version 999, key id zzzzzzzzzzzz), so an allowed
 * request reaches its handler and gets that handler's answer (404, 400, …) without changing anything;
 * what the matrix checks is the guard's verdict: 401 without a key, 403 without the role, neither
 * with it. The role flows to 2xx are in auth.e2e-spec.ts.
 */
const MISSING_MODEL = 'matrix-absent';
const PARAMS: Record<string, string[]> = {
  name: [MISSING_MODEL],
  version: ['999'],
  id: ['zzzzzzzzzzzz'],
  // Two rules in one route: traffic aliases (and the shadow) need operator, labels publisher.
  alias: ['champion', 'shadow', 'label'],
  '*': ['swagger-ui.css'],
};
/** Bodies that pick each branch of a body-dependent rule. */
const BODIES: Record<string, unknown[]> = {
  'PATCH /v1/models/:name': [{ description: 'x' }, { batching: null }],
};

interface Case {
  method: string;
  route: string;
  url: string;
  params: Record<string, string>;
  body: unknown;
}

/**
 * A route pattern's parameter: `:name` filling its segment, `:name(<regex>)` (which may share its
 * segment with static text, as in `:name(^[^:/]+)::predict`), or the wildcard `*`.
 */
const paramToken = (param: string) => (param === '*' ? /(?<=\/)\*$/ : new RegExp(`(?<!:):${param}(\\([^)]*\\))?(?=/|::|$)`));

/** The URL of a pattern with its parameters filled: find-my-way's `::` is a literal colon. */
const urlOfPattern = (pattern: string) => pattern.replaceAll('::', ':');

function casesOf(method: string, route: string): Case[] {
  let variants: Array<{ url: string; params: Record<string, string> }> = [{ url: route, params: {} }];
  for (const [param, values] of Object.entries(PARAMS)) {
    const token = paramToken(param);
    if (!token.test(route)) continue;
    variants = variants.flatMap((v) => values.map((value) => ({ url: v.url.replace(token, value), params: { ...v.params, [param]: value } })));
  }
  variants = variants.map((v) => ({ ...v, url: urlOfPattern(v.url) }));
  const bodies = BODIES[`${method} ${route}`] ?? [method === 'GET' || method === 'DELETE' ? undefined : {}];
  return variants.flatMap((v) => bodies.map((body) => ({ method, route, ...v, body })));
}

describe('access matrix: every route × every role', () => {
  let stack: ServingStack;
  let worker: RunningApp;
  let workerDatabase: string;
  const keys = new Map<Role, string>();

  beforeAll(async () => {
    stack = await startServingStack();
    workerDatabase = await createIsolatedDatabase();
    worker = await startWorker({ DATABASE_URL: workerDatabase, REDIS_PREFIX: isolatedRedisPrefix() });
    for (const role of ROLES) keys.set(role, (await createKey(stack.registry.url, [role], { name: `matrix-${role}` })).key);
  });
  afterAll(async () => {
    await worker?.close();
    await stack?.close();
    if (workerDatabase) await dropIsolatedDatabase(workerDatabase);
  });

  const apps = (): Array<[AppName, RunningApp]> => [
    ['registry', stack.registry],
    ['gateway', stack.gateway],
    ['worker', worker],
  ];

  it('has exactly one rule for every route the apps register, and no rule for a route that does not exist', () => {
    for (const [app, running] of apps()) {
      const routes = registeredRoutes(running.app.getHttpAdapter().getInstance());
      expect(routes.length).toBeGreaterThan(5);
      const withoutRule = routes.filter((r) => ruleFor(app, r.method, r.url) === undefined).map((r) => `${app}: ${r.method} ${r.url}`);
      expect(withoutRule).toEqual([]);
      const served = new Set(routes.map((r) => `${r.method} ${r.url}`));
      const stale = Object.keys(ROUTE_RULES[app]).filter((rule) => !served.has(rule)).map((rule) => `${app}: ${rule}`);
      expect(stale).toEqual([]);
    }
  });

  it('answers each route as its rule says, for each role and without a key', async () => {
    const verdicts: string[] = [];
    const mismatches: string[] = [];
    for (const [app, running] of apps()) {
      const routes = registeredRoutes(running.app.getHttpAdapter().getInstance()).filter((r) => r.method !== 'HEAD');
      for (const route of routes) {
        for (const c of casesOf(route.method, route.url)) {
          const access = accessFor(ruleFor(app, c.method, c.route)!, { params: c.params, body: c.body });
          for (const holder of [null, ...ROLES] as Array<Role | null>) {
            const expected = access === 'public' ? 'open' : holder === null ? 401 : grants([holder], access) ? 'allowed' : 403;
            const answer = await call(`${running.url}${c.url}`, {
              method: c.method,
              key: holder === null ? null : keys.get(holder)!,
              ...(c.body === undefined ? {} : { json: c.body }),
            });
            const got = answer.status;
            const ok =
              typeof expected === 'number'
                ? got === expected && (app === 'gateway' && PROTOCOL_ERROR_ROUTES.test(c.url) ? typeof answer.body.error === 'string' : answer.body.status === expected)
                : got !== 401 && got !== 403 && got < 500;
            const line = `${app} ${c.method} ${c.url} ${JSON.stringify(c.body) ?? ''} as ${holder ?? 'no key'}: expected ${expected}, got ${got}`;
            verdicts.push(line);
            if (!ok) mismatches.push(line);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Every role was tried on every route: 6 callers per case.
    expect(verdicts.length % (ROLES.length + 1)).toBe(0);
    expect(verdicts.length).toBeGreaterThan(100);
  });
});
