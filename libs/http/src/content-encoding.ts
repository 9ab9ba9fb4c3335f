import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import type { FastifyInstance, FastifyRequest, RequestPayload } from 'fastify';
import { DomainError } from '@switchyard/errors';

type Decode = (compressed: Buffer, options: ZlibOptions) => Promise<Buffer>;

const inflateZlib = promisify(inflate);
const inflateRawDeflate = promisify(inflateRaw);

/**
 * The request content codings every app decodes (RFC 9110 §8.4.1, IANA's registry): what Triton's
 * HTTP client sends with `request_compression_algorithm` (gzip, deflate) and what curl and browsers
 * produce. `deflate` is the zlib format, as the RFC defines it and as those clients write it; a body
 * that is not is tried as raw deflate, which the RFC notes some implementations send instead.
 */
const DECODERS: Record<string, Decode> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: (compressed, options) => inflateZlib(compressed, options).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
    return inflateRawDeflate(compressed, options).catch(() => Promise.reject(error));
  }),
  br: promisify(brotliDecompress),
};

const ACCEPTED = 'gzip, deflate or br';

/**
 * Decodes a request body sent with `Content-Encoding`, before any parser reads it, so every JSON and
 * binary route takes compressed bodies alike. The route's body limit holds for the bytes received and
 * again for the bytes decoded (zlib stops at it, so a small body that inflates without end costs no
 * more than the limit), and decoding runs on libuv's threads, off the event loop. The decoded body's
 * length replaces Content-Length, which the parsers check the body against. Refused, naming what to
 * do: a coding not listed (415), a body that does not decode (400), and any coding on a multipart
 * upload, whose parser reads the socket itself.
 */
export function installRequestDecoding(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const coding = request.headers['content-encoding'];
    if (coding === undefined || !hasBody(request)) return done(null, payload);
    const name = coding.trim().toLowerCase();
    if (name === '' || name === 'identity') return done(null, payload);
    const decode = DECODERS[name];
    if (decode === undefined || isMultipart(request)) {
      const what = decode === undefined ? `this server decodes ${ACCEPTED} bodies` : 'an upload (multipart/form-data) must be sent uncompressed';
      return done(new DomainError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(coding)} is not accepted here: ${what}; send the body so, or without Content-Encoding`), payload);
    }
    decodedBody(request, payload, name, decode).then(
      (body) => done(null, body),
      (error: unknown) => done(error as Error, payload),
    );
  });
}

/**
 * Whether Fastify will read a body for this request: a GET, or a request with neither a length nor
 * chunks, has none, so a client that sets Content-Encoding on every request is not refused for it.
 */
function hasBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
}

function isMultipart(request: FastifyRequest): boolean {
  return request.headers['content-type']?.trimStart().toLowerCase().startsWith('multipart/') ?? false;
}

async function decodedBody(request: FastifyRequest, payload: RequestPayload, coding: string, decode: Decode): Promise<RequestPayload> {
  const limit = request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY;
  const tooLarge = (what: string) => new DomainError('PAYLOAD_TOO_LARGE', `the body ${what} is larger than this route's limit of ${limit} bytes`);
  const compressed = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) return void chunks.push(chunk);
      // The rest is read and dropped, so that the 413 can still be answered on this connection.
      payload.removeListener('data', onData);
      payload.resume();
      reject(tooLarge('as sent'));
    };
    payload.on('data', onData);
    payload.once('end', () => resolve(Buffer.concat(chunks, received)));
    payload.once('error', reject);
  });
  let body: Buffer;
  try {
    body = await decode(compressed, Number.isFinite(limit) ? { maxOutputLength: limit } : {});
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(`decoded from ${coding}`);
    throw new DomainError('VALIDATION_FAILED', `the body does not decode as ${coding} (${(error as Error).message}); send it compressed with ${coding}, or without Content-Encoding`);
  }
  request.headers['content-length'] = String(body.length);
  return Readable.from([body], { objectMode: false });
}
