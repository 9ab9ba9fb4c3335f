import { type AppName } from '@switchyard/auth';
import { MAX_JSON_DEPTH } from '@switchyard/http';
import { type Answer, call } from './support/client';
import { modelWithVersions } from './support/fixtures';
import { type RunningApp, startWorker } from './support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './support/isolation';
import { startServingStack, type ServingStack } from './support/serving-stack';

/**
 * Inputs a hostile or careless caller sends — a multipart body without its boundary (issue 18 item
 * 5), version numbers that are not decimal or not in range (8), JSON nested 10^5 levels (9),
 * form-encoded bodies (10), over-long path segments (11) — sent to every app. Each must get its
 * 4xx in the route's own shape (problem+json on /v1 and elsewhere, `{"error"}` on /v2), never a 5xx,
 * and an error body that does not echo what was sent.
 */
interface HostileRequest {
  item: number;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
}

const DEEP = '['.repeat(100_000) + ']'.repeat(100_000);
const DEEP_OBJECT = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
const LONG = 'a'.repeat(300);

function multipart(boundary: string, contentType: string): Pick<HostileRequest, 'headers' | 'body'> {
  return {
    headers: { 'content-type': contentType },
    body: `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="model.onnx"\r\nContent-Type: application/octet-stream\r\n\r\nnot onnx\r\n--${boundary}--\r\n`,
  };
}

/** What each app is sent; `model` has version 1 in the registry. */
function corpus(app: AppName, model: string): HostileRequest[] {
  const upload = `/v1/models/${model}/versions`;
  const withBody = (item: number, method: string, path: string, headers: Record<string, string>, body: string, status: number) => ({ item, method, path, headers, body, status });
  const versions = ['2147483648', '99999999999', '0x1', '1.0', '1e0', '01'];
  switch (app) {
    case 'registry':
      return [
        { item: 5, method: 'POST', path: upload, ...multipart('XYZ', 'multipart/form-data'), status: 400 },
        { item: 5, method: 'POST', path: upload, ...multipart('XYZ', 'multipart/form-data; boundary='), status: 400 },
        { item: 5, method: 'POST', path: upload, ...multipart('XYZ', `multipart/form-data; boundary=${'b'.repeat(71)}`), status: 400 },
        { item: 5, method: 'POST', path: upload, ...multipart('XYZ', 'multipart/form-data; boundary=OTHER'), status: 400 },
        { item: 5, method: 'POST', path: `/v1/models`, ...multipart('XYZ', 'multipart/form-data; boundary=XYZ'), status: 415 },
        ...versions.flatMap((v) => [
          { item: 8, method: 'GET', path: `/v1/models/${model}/versions/${v}`, status: 400 },
          { item: 8, method: 'GET', path: `/v1/models/${model}/versions/${v}/artifact`, status: 400 },
          { item: 8, method: 'DELETE', path: `/v1/models/${model}/versions/${v}`, status: 400 },
        ]),
        withBody(9, 'POST', '/v1/models', JSON_TYPE, DEEP, 400),
        withBody(9, 'POST', '/v1/models', JSON_TYPE, DEEP_OBJECT, 400),
        withBody(9, 'PATCH', `/v1/models/${model}`, JSON_TYPE, DEEP, 400),
        withBody(9, 'PUT', `/v1/models/${model}/guardrails`, JSON_TYPE, DEEP_OBJECT, 400),
        withBody(9, 'POST', '/v1/keys', JSON_TYPE, DEEP, 400),
        withBody(10, 'POST', '/v1/models', FORM_TYPE, 'name=form-made', 415),
        withBody(10, 'PATCH', `/v1/models/${model}`, FORM_TYPE, 'description=form-edited', 415),
        withBody(10, 'POST', '/v1/keys', FORM_TYPE, 'name=k&roles=admin', 415),
        withBody(10, 'POST', '/v1/models', { 'content-type': 'text/plain' }, '{"name":"text-made"}', 415),
        { item: 11, method: 'GET', path: `/v1/models/${LONG}`, status: 404 },
        { item: 11, method: 'GET', path: `/v1/models/${model}/versions/${LONG}`, status: 404 },
        { item: 11, method: 'PUT', path: `/v1/models/${model}/aliases/${LONG}`, status: 404 },
      ];
    case 'gateway':
      return [
        { item: 5, method: 'POST', path: `/v1/models/${model}/predict`, ...multipart('XYZ', 'multipart/form-data'), status: 415 },
        { item: 5, method: 'POST', path: `/v2/models/${model}/infer`, ...multipart('XYZ', 'multipart/form-data; boundary=XYZ'), status: 415 },
        ...versions.flatMap((v) => [
          { item: 8, method: 'GET', path: `/v2/models/${model}/versions/${v}`, status: 404 },
          { item: 8, method: 'GET', path: `/v2/models/${model}/versions/${v}/ready`, status: 404 },
          withBody(8, 'POST', `/v2/models/${model}/versions/${v}/infer`, JSON_TYPE, '{"inputs":[]}', 404),
        ]),
        withBody(9, 'POST', `/v1/models/${model}/predict`, JSON_TYPE, DEEP, 400),
        withBody(9, 'POST', '/v1/feedback', JSON_TYPE, DEEP, 400),
        withBody(9, 'POST', '/v1/feedback', JSON_TYPE, DEEP_OBJECT, 400),
        withBody(9, 'POST', `/v2/models/${model}/infer`, JSON_TYPE, DEEP, 400),
        withBody(9, 'POST', `/v2/models/${model}/versions/1/infer`, JSON_TYPE, DEEP_OBJECT, 400),
        withBody(10, 'POST', `/v1/models/${model}/predict`, FORM_TYPE, 'inputs=1', 415),
        withBody(10, 'POST', '/v1/feedback', FORM_TYPE, 'request_id=r&value=1', 415),
        withBody(10, 'POST', `/v2/models/${model}/infer`, FORM_TYPE, 'inputs=1', 415),
        { item: 11, method: 'POST', path: `/v1/models/${LONG}/predict`, headers: JSON_TYPE, body: '{"instances":[[1]]}', status: 404 },
        { item: 11, method: 'GET', path: `/v2/models/${LONG}`, status: 404 },
        { item: 11, method: 'GET', path: `/v2/models/${model}/versions/${LONG}/ready`, status: 404 },
      ];
    case 'worker':
      // The worker serves only probes, metrics and its API document; none takes a body or a parameter.
      return [
        { item: 5, method: 'POST', path: upload, ...multipart('XYZ', 'multipart/form-data'), status: 404 },
        { item: 8, method: 'GET', path: `/v1/models/${model}/versions/2147483648`, status: 404 },
        withBody(9, 'POST', '/health/live', JSON_TYPE, DEEP, 405),
        withBody(10, 'POST', '/health/live', FORM_TYPE, 'a=b', 405),
        { item: 11, method: 'GET', path: `/v1/models/${LONG}`, status: 404 },
        { item: 11, method: 'GET', path: `/health/${LONG}`, status: 404 },
      ];
  }
}

/** The answer's shape: `{"error"}` on /v2, problem+json everywhere else, and never the input echoed. */
function shapeProblems(request: HostileRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const type = answer.headers.get('content-type') ?? '';
  const text = JSON.stringify(answer.body);
  // `instance` is the request's path by design (RFC 9457); every other member must not repeat the input.
  const { instance: _path, ...members } = typeof answer.body === 'object' && answer.body !== null ? answer.body : { text: answer.body };
  const echoed = JSON.stringify(members);
  if (answer.status !== request.status) problems.push(`status ${answer.status}, expected ${request.status}: ${text.slice(0, 300)}`);
  if (request.path.startsWith('/v2')) {
    if (!type.startsWith('application/json') || typeof answer.body?.error !== 'string') problems.push(`not {"error"} (${type}): ${text.slice(0, 300)}`);
  } else if (!type.startsWith('application/problem+json') || answer.body?.status !== answer.status || typeof answer.body?.detail !== 'string') {
    problems.push(`not problem+json (${type}): ${text.slice(0, 300)}`);
  }
  if (echoed.length > 1_000 || echoed.includes('[[[[') || echoed.includes('{"a":{"a":') || echoed.includes('a'.repeat(250))) {
    problems.push(`echoes the input: ${echoed.slice(0, 300)}`);
  }
  return problems;
}

describe('hostile input on every app (issue 18 items 5, 8, 9, 10, 11)', () => {
  let stack: ServingStack;
  let worker: RunningApp;
  let workerDatabase: string;
  let model: string;

  beforeAll(async () => {
    stack = await startServingStack();
    workerDatabase = await createIsolatedDatabase();
    worker = await startWorker({ DATABASE_URL: workerDatabase, REDIS_PREFIX: isolatedRedisPrefix() });
    model = await modelWithVersions(stack.registry.url, 1, 'hostile');
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

  it('answers every input with its 4xx in the route’s shape, and no 5xx', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const [app, running] of apps()) {
      for (const request of corpus(app, model)) {
        const answer = await call(`${running.url}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
        sent++;
        const label = `${app} item ${request.item}: ${request.method} ${request.path.slice(0, 80)} ${request.headers?.['content-type'] ?? ''}`;
        for (const problem of shapeProblems(request, answer)) failures.push(`${label}: ${problem}`);
        if (answer.status >= 500) failures.push(`${label}: a 5xx`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(60);
  });

  it('reads no hexadecimal, fractional or padded version as version 1, and deletes nothing for one', async () => {
    for (const v of ['0x1', '1.0', '1e0', '01']) {
      expect((await call(`${stack.registry.url}/v1/models/${model}/versions/${v}`, { method: 'DELETE' })).status).toBe(400);
    }
    const one = await call(`${stack.registry.url}/v1/models/${model}/versions/1`);
    expect({ status: one.status, version: one.body.version }).toEqual({ status: 200, version: 1 });
    const last = await call(`${stack.registry.url}/v1/models/${model}/versions/2147483647`);
    expect(last.status).toBe(404);
  });

  it('names the limits it refuses by', async () => {
    const deep = await call(`${stack.registry.url}/v1/models`, { method: 'POST', headers: JSON_TYPE, body: DEEP });
    expect(deep.body.detail).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    const noBoundary = await call(`${stack.registry.url}/v1/models/${model}/versions`, { method: 'POST', ...multipart('XYZ', 'multipart/form-data') });
    expect(noBoundary.body.errors).toEqual([{ field: 'content-type', message: expect.stringContaining('boundary') }]);
    const version = await call(`${stack.registry.url}/v1/models/${model}/versions/2147483648`);
    expect(version.body.errors).toEqual([{ field: 'version', message: 'must be a decimal integer from 1 to 2147483647' }]);
    // A body nested just within the limit is parsed, and refused for what it says, not how deep it is.
    const within = '['.repeat(MAX_JSON_DEPTH - 1) + ']'.repeat(MAX_JSON_DEPTH - 1);
    const shallow = await call(`${stack.registry.url}/v1/models`, { method: 'POST', headers: JSON_TYPE, body: `{"name":"within-limit","tags":${within}}` });
    expect(shallow.status).toBe(400);
    expect(shallow.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'tags' })]));
  });
});
