import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { ApiError, CliError, EXIT_FAILURE, EXIT_UNREACHABLE, type FieldError, networkErrorMessage } from './errors';

export interface ClientOptions {
  registry: string;
  key?: string;
  actor?: string;
  /** Per-request time limit in milliseconds (not applied to the upload body). */
  requestTimeoutMs?: number;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

type Json = Record<string, any>;

/** A thin client over the registry's /v1 API: every non-2xx becomes an ApiError, every network failure a CliError (exit 3). */
export class RegistryClient {
  constructor(private readonly options: ClientOptions) {}

  get registry(): string {
    return this.options.registry;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...extra };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    if (this.options.actor) headers['x-actor'] = this.options.actor;
    return headers;
  }

  async request<T = Json>(method: string, pathAndQuery: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const headers = this.headers(extraHeaders);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const url = new URL(`${this.options.registry}${pathAndQuery}`);
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    // node:http rather than fetch: fetch refuses some ports outright ("bad port") and hides the socket error.
    return new Promise<ApiResponse<T>>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(url, { method, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(new CliError(networkErrorMessage(this.options.registry, error), EXIT_UNREACHABLE)));
        response.on('end', () => {
          try {
            resolve(finish<T>(response.statusCode ?? 0, toHeaders(response.headers), Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      request.setTimeout(timeoutMs, () => {
        request.destroy();
        reject(new CliError(`the registry at ${this.options.registry} did not answer ${method} ${pathAndQuery} within ${timeoutMs / 1000} s`, EXIT_UNREACHABLE));
      });
      request.on('error', (error) => reject(new CliError(networkErrorMessage(this.options.registry, error), EXIT_UNREACHABLE)));
      request.end(payload);
    });
  }

  getModel(name: string) {
    return this.request('GET', `/v1/models/${enc(name)}`);
  }

  listModels(limit?: number, cursor?: string) {
    return this.request<{ items: Json[]; next_cursor: string | null }>('GET', `/v1/models${query({ limit, cursor })}`);
  }

  createModel(body: { name: string; description?: string; tags?: Record<string, string> }) {
    return this.request('POST', '/v1/models', body);
  }

  listVersions(name: string, limit?: number, cursor?: string) {
    return this.request<{ items: Json[]; next_cursor: string | null }>('GET', `/v1/models/${enc(name)}/versions${query({ limit, cursor })}`);
  }

  /** A filtered, ordered page: `params` are the registry's query parameters (status, tag.<key>, metric.<name>_lt, order_by…). */
  searchVersions(name: string, params: Record<string, string | number | undefined>) {
    return this.request<{ items: Json[]; next_cursor: string | null }>('GET', `/v1/models/${enc(name)}/versions${query(params)}`);
  }

  updateVersion(name: string, version: number, body: Json) {
    return this.request('PATCH', `/v1/models/${enc(name)}/versions/${version}`, body);
  }

  decideVersion(name: string, version: number, decision: 'approve' | 'reject', reason?: string) {
    return this.request('POST', `/v1/models/${enc(name)}/versions/${version}/${decision}`, reason === undefined ? {} : { reason });
  }

  createKey(body: Json) {
    return this.request('POST', '/v1/keys', body);
  }

  listKeys() {
    return this.request<{ items: Json[] }>('GET', '/v1/keys');
  }

  revokeKey(id: string) {
    return this.request('DELETE', `/v1/keys/${enc(id)}`);
  }

  createWebhook(body: Json) {
    return this.request('POST', '/v1/webhooks', body);
  }

  updateWebhook(id: string, body: Json) {
    return this.request('PATCH', `/v1/webhooks/${enc(id)}`, body);
  }

  listWebhooks() {
    return this.request<{ items: Json[] }>('GET', '/v1/webhooks');
  }

  deleteWebhook(id: string) {
    return this.request('DELETE', `/v1/webhooks/${enc(id)}`);
  }

  webhookDeliveries(id: string, limit?: number) {
    return this.request<{ items: Json[]; next_cursor: string | null }>('GET', `/v1/webhooks/${enc(id)}/deliveries${query({ limit })}`);
  }

  getVersion(name: string, version: number) {
    return this.request('GET', `/v1/models/${enc(name)}/versions/${version}`);
  }

  getDeployment(name: string) {
    return this.request('GET', `/v1/models/${enc(name)}/deployment`);
  }

  setAlias(name: string, alias: string, version: number, force: boolean) {
    return this.request('PUT', `/v1/models/${enc(name)}/aliases/${enc(alias)}`, force ? { version, force } : { version });
  }

  deleteAlias(name: string, alias: string) {
    return this.request('DELETE', `/v1/models/${enc(name)}/aliases/${enc(alias)}`);
  }

  setTraffic(name: string, percent: number, revisionEtag: string) {
    return this.request('PUT', `/v1/models/${enc(name)}/traffic`, { challenger_percent: percent }, { 'if-match': revisionEtag });
  }

  setShadowPercent(name: string, percent: number, revisionEtag: string) {
    return this.request('PUT', `/v1/models/${enc(name)}/traffic`, { shadow_percent: percent }, { 'if-match': revisionEtag });
  }

  promote(name: string, reason?: string) {
    return this.request('POST', `/v1/models/${enc(name)}/promote`, reason === undefined ? {} : { reason });
  }

  rollback(name: string, reason?: string) {
    return this.request('POST', `/v1/models/${enc(name)}/rollback`, reason === undefined ? {} : { reason });
  }

  getRolloutPlan(name: string) {
    return this.request('GET', `/v1/models/${enc(name)}/rollout-plan`);
  }

  /** `precondition`: If-Match with the plan's ETag to replace it, or If-None-Match: * to create the first. */
  setRolloutPlan(name: string, plan: Json, precondition: Record<string, string>) {
    return this.request('PUT', `/v1/models/${enc(name)}/rollout-plan`, plan, precondition);
  }

  moveRolloutPlan(name: string, move: 'pause' | 'resume', reason?: string) {
    return this.request('POST', `/v1/models/${enc(name)}/rollout-plan/${move}`, reason === undefined ? {} : { reason });
  }

  cancelRolloutPlan(name: string) {
    return this.request('DELETE', `/v1/models/${enc(name)}/rollout-plan`);
  }

  stats(name: string, from?: string, to?: string) {
    return this.request('GET', `/v1/models/${enc(name)}/stats${query({ from, to })}`);
  }

  /**
   * Streams `file` as the `artifact` part of a multipart upload (the metadata part first), with an
   * exact Content-Length; `onProgress` sees the bytes of the file sent so far.
   */
  async uploadVersion(name: string, file: string, metadata: Json | undefined, onProgress: (sent: number, total: number) => void): Promise<ApiResponse> {
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new CliError(`${file} is not a file`);
      size = info.size;
    } catch (error) {
      if (error instanceof CliError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(code === 'ENOENT' ? `cannot read ${file}: no such file` : `cannot read ${file}: ${code ?? (error as Error).message}`);
    }

    const boundary = `----switchyard${randomBytes(12).toString('hex')}`;
    const filename = path.basename(file).replace(/["\r\n]/g, '_');
    const head =
      (metadata === undefined
        ? ''
        : // A plain text field: the registry's multipart parser would turn an application/json part into an object.
          `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify(metadata)}\r\n`) +
      `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const headBuf = Buffer.from(head, 'utf8');
    const tailBuf = Buffer.from(tail, 'utf8');

    const url = new URL(`${this.options.registry}/v1/models/${enc(name)}/versions`);
    const transport = url.protocol === 'https:' ? https : http;
    const headers = this.headers({
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(headBuf.length + size + tailBuf.length),
    });

    return new Promise<ApiResponse>((resolve, reject) => {
      let settled = false;
      const fail = (error: CliError) => {
        if (settled) return;
        settled = true;
        request.destroy();
        source.destroy();
        reject(error);
      };
      const source = createReadStream(file);
      let sent = 0;
      let responded = false;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          sent += chunk.length;
          onProgress(sent, size);
          callback(null, chunk);
        },
      });
      const request = transport.request(url, { method: 'POST', headers }, (response) => {
        responded = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => fail(new CliError(networkErrorMessage(this.options.registry, error), EXIT_UNREACHABLE)));
        response.on('end', () => {
          if (settled) return;
          try {
            const result = finish(response.statusCode ?? 0, toHeaders(response.headers), Buffer.concat(chunks).toString('utf8'));
            settled = true;
            resolve(result);
          } catch (error) {
            settled = true;
            reject(error as Error);
          }
        });
      });
      request.on('error', (error) => {
        // The registry may answer (413, 404) and close before the body is sent; that answer wins.
        if (responded) return;
        fail(new CliError(networkErrorMessage(this.options.registry, error), EXIT_UNREACHABLE));
      });
      source.on('error', (error) => fail(new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, EXIT_FAILURE)));
      request.write(headBuf);
      source.pipe(counter);
      counter.on('data', (chunk: Buffer) => {
        if (!request.write(chunk)) {
          counter.pause();
          request.once('drain', () => counter.resume());
        }
      });
      counter.on('end', () => request.end(tailBuf));
    });
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

/** Parses an answer; throws ApiError for anything but 2xx, with the problem's detail and field errors. */
export function finish<T>(status: number, headers: Headers, text: string): ApiResponse<T> {
  let body: unknown = undefined;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (status >= 200 && status < 300) return { status, headers, body: body as T };
  throw problemToError(status, body);
}

export function problemToError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object') {
    const problem = body as { detail?: unknown; title?: unknown; errors?: unknown; error?: unknown };
    const detail =
      typeof problem.detail === 'string' && problem.detail
        ? problem.detail
        : typeof problem.title === 'string'
          ? problem.title
          : typeof problem.error === 'string'
            ? problem.error
            : `HTTP ${status}`;
    const errors: FieldError[] = Array.isArray(problem.errors)
      ? (problem.errors as unknown[])
          .filter((e): e is { field?: unknown; message?: unknown } => typeof e === 'object' && e !== null)
          .map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }))
      : [];
    return new ApiError(status, detail, errors, body);
  }
  const snippet = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  return new ApiError(status, snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`, [], body);
}
