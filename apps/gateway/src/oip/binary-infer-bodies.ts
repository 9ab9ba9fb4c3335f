import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { DomainError } from '@switchyard/errors';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '@switchyard/http';
import { BinaryBodyError, INFERENCE_HEADER_CONTENT_LENGTH, splitBinaryBody } from '@switchyard/tensor';

/**
 * An inference request under the binary tensor data extension, as the body parser hands it to the
 * infer route: the parsed JSON part, and the tensor bytes after it (a view of the body, not a copy).
 */
export class BinaryInferBody {
  constructor(
    readonly json: unknown,
    readonly binary: Uint8Array,
    /** The JSON part's bytes, read again for exact INT64 (decodeWithExactIntegers). */
    readonly jsonBytes: Uint8Array,
  ) {}
}

/**
 * A media type of our own, set on such requests before parsing so that one parser reads them, whatever
 * Content-Type the client sent: Triton's and KServe's clients send application/octet-stream, none, or
 * application/json, and the JSON parser must not see the binary part.
 */
const BINARY_INFER_MEDIA_TYPE = 'application/vnd.switchyard.oip-binary-infer';
/** Marks requests whose Content-Type we replaced, so a client cannot name the private type directly. */
const MARKED = Symbol('binary infer body');

const OCTET_STREAM = /^\s*application\/octet-stream\s*(;|$)/i;

/** The Content-Types an infer body without the binary header is read as JSON under (see chooseInferBodyParser). */
function readAsJson(contentType: string | undefined): boolean {
  return contentType === undefined || OCTET_STREAM.test(contentType);
}

/**
 * The infer routes' own preParsing hook (a route-level hook, so no other route pays for it): a request
 * carrying `Inference-Header-Content-Length` is marked for the binary parser, whatever its Content-Type.
 * Without it the body is an inference request in JSON, and is read as JSON when it names no type or
 * application/octet-stream too, as Triton and KServe read it: Triton's Python client sends a request
 * whose tensors are all JSON with no Content-Type at all. Any other type is still Fastify's 415.
 */
export function chooseInferBodyParser(request: FastifyRequest, reply: FastifyReply, payload: RequestPayload, done: (error: null, payload: RequestPayload) => void): void {
  if (request.headers[INFERENCE_HEADER_CONTENT_LENGTH] === undefined) return readUntypedBodyAsJson(request, reply, payload, done);
  request.headers['content-type'] = BINARY_INFER_MEDIA_TYPE;
  (request as FastifyRequest & { [MARKED]?: true })[MARKED] = true;
  done(null, payload);
}

/**
 * The preParsing hook of JSON-only inference routes (the V1 protocol's `:predict`), and of the infer
 * routes for a body without the binary header: a body with no Content-Type or application/octet-stream
 * is read as JSON, since KServe's REST client posts its v1 JSON with none too.
 */
export function readUntypedBodyAsJson(request: FastifyRequest, _reply: FastifyReply, payload: RequestPayload, done: (error: null, payload: RequestPayload) => void): void {
  if (readAsJson(request.headers['content-type'])) request.headers['content-type'] = 'application/json';
  done(null, payload);
}

/**
 * Lets `POST /v2/models/{name}[/versions/{v}]/infer` take bodies of the binary tensor data extension:
 * a request carrying `Inference-Header-Content-Length` is read as bytes (up to `bodyLimit`, 413 past
 * it), split at that length, and its JSON part parsed as a JSON body would be; the route receives a
 * BinaryInferBody (the routes mark such requests with chooseInferBodyParser). Bad framing is a 400 naming
 * what to fix, before any model is involved.
 */
export function registerBinaryInferBodies(fastify: FastifyInstance, bodyLimit: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(BINARY_INFER_MEDIA_TYPE, async (request: FastifyRequest, payload: Readable) => {
    if ((request as FastifyRequest & { [MARKED]?: true })[MARKED] !== true) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'this route takes a JSON body: send it as application/json');
    }
    const header = String(request.headers[INFERENCE_HEADER_CONTENT_LENGTH]);
    const body = await readBody(payload, request.headers['content-length'], bodyLimit, alignmentPadding(header));
    try {
      const { json, binary } = splitBinaryBody(body, header);
      return new BinaryInferBody(await parseJsonPart(parseJson, request, json), binary, json);
    } catch (error) {
      if (error instanceof BinaryBodyError) throw new DomainError('VALIDATION_FAILED', `${error.field}: ${error.message}`, { errors: [{ field: error.field, message: error.message }] });
      throw error;
    }
  });
}

/**
 * Bytes to leave before the body so that its binary part starts 8-byte aligned: then FP32, INT64 and
 * every other fixed-size tensor can be a view of the body rather than a copy (oip-binary's viewAs).
 */
function alignmentPadding(header: string): number {
  const length = Number(header.trim());
  return Number.isSafeInteger(length) && length >= 0 ? (8 - (length % 8)) % 8 : 0;
}

/**
 * Reads the body into one buffer as it arrives. With a Content-Length the buffer is allocated once,
 * at its final size, and each chunk copied in and dropped: the body is held once, not once in chunks
 * and again joined. Chunked bodies are joined at the end.
 */
async function readBody(payload: Readable, contentLength: string | undefined, limit: number, padding: number): Promise<Uint8Array> {
  const tooLarge = () => new DomainError('PAYLOAD_TOO_LARGE', `the body is larger than this gateway's limit of ${limit} bytes (GATEWAY_MAX_BODY_BYTES)`);
  const declared = contentLength === undefined ? undefined : Number(contentLength);
  if (declared !== undefined && declared > limit) {
    payload.resume();
    throw tooLarge();
  }
  if (declared !== undefined && Number.isSafeInteger(declared)) {
    const buffer = new Uint8Array(padding + declared);
    let received = 0;
    for await (const chunk of payload) {
      const bytes = chunk as Buffer;
      if (received + bytes.length > declared) throw new DomainError('VALIDATION_FAILED', 'the body is longer than its Content-Length');
      buffer.set(bytes, padding + received);
      received += bytes.length;
    }
    if (received !== declared) throw new DomainError('VALIDATION_FAILED', `the body ended after ${received} of the ${declared} bytes its Content-Length gives`);
    return buffer.subarray(padding);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of payload) {
    received += (chunk as Buffer).length;
    if (received > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const buffer = new Uint8Array(padding + received);
  let offset = padding;
  for (const chunk of chunks) {
    buffer.set(chunk, offset);
    offset += chunk.length;
  }
  return buffer.subarray(padding);
}

/**
 * The JSON part, held to the rules of every JSON body (json-body.ts): the depth limit, then Fastify's
 * own parser (prototype poisoning refused, errors that never quote the body).
 */
function parseJsonPart(parse: ReturnType<FastifyInstance['getDefaultJsonParser']>, request: FastifyRequest, bytes: Uint8Array): Promise<unknown> {
  if (jsonNestsDeeperThan(bytes, MAX_JSON_DEPTH)) {
    throw new DomainError('VALIDATION_FAILED', `the JSON part nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return new Promise((resolve, reject) => {
    // Fastify's parser reads a Buffer as UTF-8 (its type says string).
    void parse(request, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as string, (error, parsed) => (error ? reject(error) : resolve(parsed)));
  });
}
