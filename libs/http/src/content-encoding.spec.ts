import { Readable } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { fastify as createFastify, type FastifyInstance } from 'fastify';
import { DomainError } from '@switchyard/errors';
import { seededBytes } from '@switchyard/onnx/testing';
import { installRequestDecoding } from './content-encoding';

/** A Fastify app with the decoding hook and one JSON route that echoes its body; errors as {code, message}. */
function echoApp(bodyLimit: number): FastifyInstance {
  const app = createFastify({ bodyLimit });
  installRequestDecoding(app);
  app.setErrorHandler((error: Error, _request, reply) => {
    const code = error instanceof DomainError ? error.code : (error as { code?: string }).code;
    void reply.code(error instanceof DomainError ? 499 : 500).send({ code, message: error.message });
  });
  app.post('/echo', async (request) => ({ body: request.body, length: request.headers['content-length'] }));
  app.route({ method: ['GET', 'DELETE'], url: '/ready', handler: async () => ({ ready: true }) });
  return app;
}

describe('installRequestDecoding', () => {
  const app = echoApp(1024);
  afterAll(() => app.close());
  const post = (body: Buffer | Readable, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/echo', payload: body, headers: { 'content-type': 'application/json', ...headers } });
  const json = JSON.stringify({ rows: [[1, 2, 3]] });

  it('passes a body with no coding, or identity, as it is', async () => {
    for (const headers of [{}, { 'content-encoding': 'identity' }, { 'content-encoding': ' ' }] as Record<string, string>[]) {
      expect((await post(Buffer.from(json), headers)).json()).toEqual({ body: { rows: [[1, 2, 3]] }, length: String(json.length) });
    }
  });

  it('leaves a request with no body alone, whatever its Content-Encoding says', async () => {
    expect((await app.inject({ method: 'GET', url: '/ready', headers: { 'content-encoding': 'gzip' } })).json()).toEqual({ ready: true });
    expect((await app.inject({ method: 'DELETE', url: '/ready', headers: { 'content-encoding': 'gzip' } })).json()).toEqual({ ready: true });
  });

  it('decodes gzip and its alias x-gzip, whatever the case, and gives the parsers the decoded length', async () => {
    for (const coding of ['gzip', 'x-gzip', 'GZip']) {
      expect((await post(gzipSync(json), { 'content-encoding': coding })).json()).toEqual({ body: { rows: [[1, 2, 3]] }, length: String(json.length) });
    }
  });

  it('decodes deflate in the zlib format the RFC defines, and the raw deflate some clients send', async () => {
    for (const compress of [deflateSync, deflateRawSync]) {
      expect((await post(compress(json), { 'content-encoding': 'deflate' })).json()).toEqual({ body: { rows: [[1, 2, 3]] }, length: String(json.length) });
    }
  });

  it('refuses a body past the limit as sent (chunked, so no Content-Length warns) and once decoded', async () => {
    // Random-looking bytes: gzip cannot shrink them below the limit.
    const noise = seededBytes(4096, 1);
    const sent = await post(Readable.from([gzipSync(noise)]), { 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' });
    expect(sent.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: "the body as sent is larger than this route's limit of 1024 bytes" });
    const inflated = await post(gzipSync(Buffer.alloc(1025, 0x20)), { 'content-encoding': 'gzip' });
    expect(inflated.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: "the body decoded from gzip is larger than this route's limit of 1024 bytes" });
  });

  it('names what to send for an unknown coding, a list of codings, a body that does not decode, and a compressed upload', async () => {
    const refused = async (body: Buffer, headers: Record<string, string>) => (await post(body, headers)).json();
    expect(await refused(gzipSync(json), { 'content-encoding': 'gzip, br' })).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'Content-Encoding "gzip, br" is not accepted here: this server decodes gzip, deflate or br bodies; send the body so, or without Content-Encoding',
    });
    expect(await refused(Buffer.from(json), { 'content-encoding': 'deflate' })).toEqual({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^the body does not decode as deflate \(.+\); send it compressed with deflate, or without Content-Encoding$/) });
    expect(await refused(gzipSync('--b--'), { 'content-encoding': 'gzip', 'content-type': 'multipart/form-data; boundary=b' })).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('an upload (multipart/form-data) must be sent uncompressed'),
    });
  });
});
