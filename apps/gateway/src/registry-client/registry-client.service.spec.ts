import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '@switchyard/errors';
import { configOf } from '../../../../test/support/unit';
import { RegistryClient } from './registry-client.service';

/** What the registry answers to the next requests. */
type Answer = (request: IncomingMessage, response: ServerResponse) => void;

const json = (status: number, body: unknown): Answer => (_request, response) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

const READY_VERSION = {
  version: 3,
  status: 'ready',
  sha256: 'a'.repeat(64),
  size_bytes: 10,
  artifact_url: '/v1/artifacts/x',
  artifact_uri: 's3://models/x',
  signature: null,
  metadata: { input_example: { instances: [[1, 2]] } },
};

// The registry is a real HTTP server on a loopback port: it answers whatever the test sets, and keeps the requests.
describe('RegistryClient', () => {
  let server: Server;
  let url: string;
  let answer: Answer;
  let requests: IncomingMessage[];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request);
      answer(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    // Answers whose bodies the client never read hold their connections open.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests = [];
    answer = json(200, READY_VERSION);
  });

  const client = (apiKey?: string) => new RegistryClient(configOf({ REGISTRY_URL: url, REGISTRY_API_KEY: apiKey }));

  async function domainErrorOf(promise: Promise<unknown>): Promise<DomainError> {
    const error = await promise.then(
      () => null,
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }

  it('sends the bearer key when one is configured, and none otherwise', async () => {
    const key = `sy_${'a'.repeat(12)}_${'b'.repeat(43)}`;
    await client(key).version('m', 3);
    await client().version('m', 3);
    expect(requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${key}`, undefined]);
  });

  it('answers a ready version as the gateway loads it, its input example taken from the metadata', async () => {
    const view = await client().version('m', 3);
    expect(requests[0].url).toBe('/v1/models/m/versions/3');
    expect(view).toMatchObject({ version: 3, sha256: 'a'.repeat(64), artifact_url: '/v1/artifacts/x', input_example: { instances: [[1, 2]] } });
  });

  it('encodes the model name as one path segment', async () => {
    await client().version('a/b c', 3);
    expect(requests[0].url).toBe('/v1/models/a%2Fb%20c/versions/3');
  });

  it.each([
    ['an unknown version', json(404, { title: 'not found' }), 'VERSION_NOT_FOUND', 'model "m" has no version 3', 'no version 3'],
    ['a version not ready', json(200, { ...READY_VERSION, status: 'validating' }), 'VERSION_NOT_READY', 'version 3 of "m" is validating, not ready', 'version 3 is validating'],
  ])('maps %s to its domain error, naming the field it came from when there is one', async (_case, registryAnswer, code, message, fieldMessage) => {
    answer = registryAnswer;
    const named = await domainErrorOf(client().version('m', 3, 'X-Switchyard-Version'));
    expect(named).toMatchObject({ code, message, errors: [{ field: 'X-Switchyard-Version', message: fieldMessage }] });
    const unnamed = await domainErrorOf(client().version('m', 3));
    expect(unnamed).toMatchObject({ code, message });
    expect(unnamed.errors).toBeUndefined();
  });

  it('says the registry is unavailable when it answers an error or cannot be reached', async () => {
    answer = json(503, { title: 'unavailable' });
    expect(await domainErrorOf(client().version('m', 3))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', message: 'the registry answered 503 for version 3 of "m"' });

    answer = (request) => request.socket.destroy();
    expect(await domainErrorOf(client().version('m', 3))).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'version 3 of "m" is not loaded here and the registry cannot be reached',
    });
  });

  it("reads deployments with the registry's instance, and key states; a non-2xx answer is an error", async () => {
    answer = json(200, { items: [{ model: 'm' }], registry_instance: 'registry-a' });
    expect(await client().deployments()).toEqual({ deployments: [{ model: 'm' }], instance: 'registry-a' });
    answer = json(200, { items: [] });
    expect(await client().deployments()).toEqual({ deployments: [], instance: null });
    answer = json(200, { items: [{ id: 'k', revoked: true, rate_limit_per_second: null, burst: null }] });
    expect(await client().keyStates()).toEqual([{ id: 'k', revoked: true, rate_limit_per_second: null, burst: null }]);
    expect(requests.map((request) => request.url)).toEqual(['/v1/deployments', '/v1/deployments', '/v1/keys/states']);

    answer = json(502, {});
    await expect(client().deployments()).rejects.toThrow('registry answered 502');
    await expect(client().keyStates()).rejects.toThrow('registry answered 502');
    await expect(client().artifact('/v1/artifacts/x')).rejects.toThrow('the registry answered 502 for /v1/artifacts/x');
  });
});
