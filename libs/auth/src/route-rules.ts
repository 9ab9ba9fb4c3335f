import type { Role } from './roles';

/** Who may call a route: anyone, or a key holding (or including) a role. */
export type Access = 'public' | Role;

export interface RuleInput {
  params: Record<string, string | undefined>;
  /** The parsed JSON body (undefined for multipart and bodiless requests). */
  body: unknown;
}

/** A role that depends on what the request asks for, with a line saying how (for the API document). */
export type RequestRule = ((request: RuleInput) => Access) & { readonly summary: string };

/** Most routes need one role; a few depend on what the request asks for (which alias, which fields). */
export type Rule = Access | RequestRule;

function decidedByRequest(summary: string, decide: (request: RuleInput) => Access): RequestRule {
  return Object.assign(decide, { summary });
}

export type AppName = 'registry' | 'gateway' | 'worker';

/** Probes, Prometheus and the API documents: open on every app, so they work without keys. */
const OPEN_ON_EVERY_APP: Record<string, Rule> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /openapi.json': 'public',
  'GET /openapi.yaml': 'public',
  'GET /docs': 'public',
  'GET /docs/': 'public',
  'GET /docs/swagger-ui-init.js': 'public',
  'GET /docs/docs/swagger-ui-init.js': 'public',
  'GET /docs/index.html': 'public',
  'GET /docs/LICENSE': 'public',
  'GET /docs/*': 'public',
};

/**
 * champion and challenger carry traffic, and a shadow is loaded by every gateway and runs on copies of
 * the champion's traffic: moving them is an operator's call; other aliases are labels.
 */
const aliasRule = decidedByRequest('operator for champion, challenger and shadow, publisher for other aliases', ({ params }) =>
  params.alias === 'champion' || params.alias === 'challenger' || params.alias === 'shadow' ? 'operator' : 'publisher',
);

/**
 * Description and tags are a publisher's; batching, task and labels change what the gateways do, and
 * require_approval is the model's gate to production, so they are an operator's.
 */
const modelUpdateRule = decidedByRequest('operator to set batching, task, labels or require_approval, publisher for description and tags', ({ body }) =>
  body !== null && typeof body === 'object' && ['batching', 'task', 'labels', 'require_approval'].some((field) => field in body) ? 'operator' : 'publisher',
);

/**
 * THE access table: every route each app registers, as `METHOD <Fastify route pattern>` → who may call
 * it. The guard (libs/http/src/access-guard.ts) enforces it, and the matrix test
 * (test/access-matrix.e2e-spec.ts) fails when a registered route has no line here or a line names no
 * route. Adding a route means adding one line. HEAD is answered as GET.
 */
export const ROUTE_RULES: Record<AppName, Record<string, Rule>> = {
  registry: {
    ...OPEN_ON_EVERY_APP,
    'POST /v1/models': 'publisher',
    'GET /v1/models': 'viewer',
    'GET /v1/models/:name': 'viewer',
    'PATCH /v1/models/:name': modelUpdateRule,
    'POST /v1/models/:name/versions': 'publisher',
    'GET /v1/models/:name/versions': 'viewer',
    'GET /v1/models/:name/versions/:version': 'viewer',
    'PATCH /v1/models/:name/versions/:version': 'publisher',
    'DELETE /v1/models/:name/versions/:version': 'operator',
    'POST /v1/models/:name/versions/:version/approve': 'approver',
    'POST /v1/models/:name/versions/:version/reject': 'approver',
    'GET /v1/models/:name/versions/:version/artifact': 'viewer',
    'PUT /v1/models/:name/aliases/:alias': aliasRule,
    'DELETE /v1/models/:name/aliases/:alias': aliasRule,
    'GET /v1/models/:name/deployment': 'viewer',
    'GET /v1/deployments': 'viewer',
    'PUT /v1/models/:name/traffic': 'operator',
    'POST /v1/models/:name/promote': 'operator',
    'POST /v1/models/:name/rollback': 'operator',
    'GET /v1/models/:name/audit': 'viewer',
    'GET /v1/models/:name/stats': 'viewer',
    'GET /v1/models/:name/guardrails': 'viewer',
    'PUT /v1/models/:name/guardrails': 'operator',
    'DELETE /v1/models/:name/guardrails': 'operator',
    'GET /v1/models/:name/rollout-plan': 'viewer',
    'PUT /v1/models/:name/rollout-plan': 'operator',
    'DELETE /v1/models/:name/rollout-plan': 'operator',
    'POST /v1/models/:name/rollout-plan/pause': 'operator',
    'POST /v1/models/:name/rollout-plan/resume': 'operator',
    // The page and its scripts hold no data: they read the API with the key typed into the page.
    'GET /dashboard': 'public',
    'GET /dashboard/dashboard.js': 'public',
    'GET /dashboard/chart.umd.js': 'public',
    'POST /v1/keys': 'admin',
    'GET /v1/keys': 'admin',
    'PATCH /v1/keys/:id': 'admin',
    'DELETE /v1/keys/:id': 'admin',
    // Gateways read it with their viewer key (REGISTRY_API_KEY): ids, revocations and limits, no secret material.
    'GET /v1/keys/states': 'viewer',
    // Webhooks carry secrets and reach out of the network: an admin's.
    'POST /v1/webhooks': 'admin',
    'GET /v1/webhooks': 'admin',
    'GET /v1/webhooks/:id': 'admin',
    'PATCH /v1/webhooks/:id': 'admin',
    'DELETE /v1/webhooks/:id': 'admin',
    'GET /v1/webhooks/:id/deliveries': 'admin',
    // Any key that reads the registry may learn its own roles (the console enables controls by them).
    'GET /v1/keys/me': 'viewer',
  },
  gateway: {
    ...OPEN_ON_EVERY_APP,
    'POST /v1/models/:name/predict': 'predict',
    'POST /v1/feedback': 'predict',
    // KServe's v1 protocol (liveness at `/`, as KServe's servers answer it) and TensorFlow Serving's predict.
    'GET /': 'public',
    'GET /v1/models': 'predict',
    'GET /v1/models/:name': 'predict',
    'POST /v1/models/:name::predict': 'predict',
    'POST /v1/models/:name/versions/:version::predict': 'predict',
    'GET /v2': 'public',
    'GET /v2/health/live': 'public',
    'GET /v2/health/ready': 'public',
    'GET /v2/models/:name': 'predict',
    'GET /v2/models/:name/ready': 'predict',
    'GET /v2/models/:name/versions/:version': 'predict',
    'GET /v2/models/:name/versions/:version/ready': 'predict',
    'GET /v2/models/:name/config': 'predict',
    'GET /v2/models/:name/versions/:version/config': 'predict',
    'POST /v2/repository/index': 'predict',
    'POST /v2/models/:name/infer': 'predict',
    'POST /v2/models/:name/versions/:version/infer': 'predict',
  },
  worker: {
    ...OPEN_ON_EVERY_APP,
  },
};

/**
 * ROUTE_RULES by app, then method, then route pattern. Every request looks its rule up: a key string
 * built per request (`${method} ${routeUrl}`) had to be flattened, hashed and internalized before the
 * object lookup, where the method and the route's pattern are the same strings on every request, their
 * hashes kept, and two Map lookups are all there is to do.
 */
const RULES_BY_METHOD = Object.fromEntries(
  Object.entries(ROUTE_RULES).map(([app, rules]) => {
    const byMethod = new Map<string, Map<string, Rule>>();
    for (const [route, rule] of Object.entries(rules)) {
      const space = route.indexOf(' ');
      const method = route.slice(0, space);
      let routes = byMethod.get(method);
      if (routes === undefined) byMethod.set(method, (routes = new Map()));
      routes.set(route.slice(space + 1), rule);
    }
    return [app, byMethod];
  }),
) as Record<AppName, Map<string, Map<string, Rule>>>;

/** The rule of a route, or undefined when the table has none (the guard then refuses: fail closed). */
export function ruleFor(app: AppName, method: string, routeUrl: string): Rule | undefined {
  return RULES_BY_METHOD[app].get(method === 'HEAD' ? 'GET' : method)?.get(routeUrl);
}

/**
 * A Fastify route pattern as an OpenAPI path writes it: `{name}` for each parameter, without the
 * regular expression a parameter may carry, and find-my-way's `::` (a literal colon) as `:`.
 */
export function openApiPathOf(routeUrl: string): string {
  return routeUrl
    .split('::')
    .map((part) => part.replace(/:(\w+)(\([^)]*\))?/g, '{$1}'))
    .join(':');
}

/** The rule of the route an OpenAPI path describes (see openApiPathOf), or undefined. */
export function ruleForOpenApiPath(app: AppName, method: string, path: string): Rule | undefined {
  const prefix = `${method} `;
  for (const [route, rule] of Object.entries(ROUTE_RULES[app])) {
    if (route.startsWith(prefix) && openApiPathOf(route.slice(prefix.length)) === path) return rule;
  }
  return undefined;
}

export function accessFor(rule: Rule, request: RuleInput): Access {
  return typeof rule === 'function' ? rule(request) : rule;
}

/**
 * The model a request acts on, for keys limited to some models: the `{name}` in its path, or the name
 * of the model `POST /v1/models` would create. Undefined for routes that span models.
 */
export function modelOfRequest(method: string, routeUrl: string, request: RuleInput): string | undefined {
  if (request.params.name !== undefined) return request.params.name;
  if (method === 'POST' && routeUrl === '/v1/models') {
    const name = (request.body as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}
