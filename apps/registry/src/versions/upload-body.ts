import type { Multipart } from '@fastify/multipart';
import type { IncomingMessage } from 'node:http';
import { DomainError } from '@switchyard/errors';

/** An upload's multipart body, and the signal raised when its client stops sending before the end. */
export interface UploadBody {
  parts: AsyncIterableIterator<Multipart>;
  stalled: AbortSignal;
}

/**
 * Busboy options for an upload. `metadata` is always read as a stream, whatever its Content-Type or
 * filename: as a plain field, busboy would cut it at the field size limit without a word (and drop a
 * field typed application/json that does not parse), where a stream lets the service refuse it by size.
 */
export const UPLOAD_PARSER_OPTIONS = {
  isPartAFile: (fieldName: string | undefined, contentType: string | undefined, fileName: string | undefined): boolean =>
    fieldName === 'metadata' || contentType === 'application/octet-stream' || fileName !== undefined,
};

/**
 * Raises `stalled` once the client has sent no byte for `idleMs` while the body is not complete.
 * Time the server itself spends not reading (the store applying backpressure, the request's bytes
 * waiting in its buffer) is not the client's: the clock restarts then.
 */
export function watchForStalledBody(request: IncomingMessage, idleMs: number): { stalled: AbortSignal; stop(): void } {
  const controller = new AbortController();
  let bytesSeen = request.socket?.bytesRead ?? 0;
  let lastProgress = Date.now();
  const timer = setInterval(
    () => {
      if (request.complete || request.destroyed) return stop();
      const bytesRead = request.socket?.bytesRead ?? 0;
      const serverHeld = request.readableLength > 0 || request.isPaused();
      if (bytesRead !== bytesSeen || serverHeld) {
        bytesSeen = bytesRead;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress >= idleMs) {
        stop();
        controller.abort(
          new DomainError(
            'UPLOAD_INCOMPLETE',
            `the upload sent nothing for ${idleMs} ms (UPLOAD_IDLE_TIMEOUT_MS) before the end of its multipart body; nothing was stored`,
          ),
        );
      }
    },
    Math.min(1_000, Math.max(10, Math.floor(idleMs / 4))),
  );
  timer.unref();
  function stop(): void {
    clearInterval(timer);
  }
  return { stalled: controller.signal, stop };
}

/** Busboy's words for a body that ended before its closing boundary (or that never had the declared one). */
const TRUNCATED = /unexpected end of multipart data/i;

export function incompleteUpload(): DomainError {
  return new DomainError(
    'UPLOAD_INCOMPLETE',
    'the multipart body ended before its closing boundary ("--<boundary>--"), or never used the boundary its Content-Type declares; nothing was stored',
  );
}

/** A truncated multipart body as the caller's error (400); any other error unchanged. */
export function asUploadError(error: unknown): unknown {
  if (error instanceof Error && !(error instanceof DomainError) && TRUNCATED.test(error.message)) return incompleteUpload();
  return error;
}

/** Settles as `work` does, or rejects with the signal's reason as soon as it is raised. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // `work` may still settle later; its rejection is nobody's to handle any more.
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
