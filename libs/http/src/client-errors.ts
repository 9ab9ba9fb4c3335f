import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError } from 'fastify';
import { clientErrorProblem, OIP_ERROR_CONTENT_TYPE, oipErrorOf, PROBLEM_CONTENT_TYPE } from '@switchyard/errors';

/** The request line as far as it arrived: `GET /v2/models/m HTTP/1.1` gives `/v2/models/m`. */
const REQUEST_TARGET = /^[A-Z]+ (\/[^\s]{0,2048})/;

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request — a request that is not
 * HTTP/1.1 (400), headers over `maxHeaderSize` (431), headers slower than `headersTimeout` (408) — in
 * the shape every other error has: problem+json, or `{"error"}` when the request line names an OIP
 * route. The connection is closed after it, as Node's own answer does.
 */
export function clientErrorHandler(oipRoutes?: RegExp): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // As Node's own handler: never write into a response that has begun on this connection.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      // Node passes the bytes it had read as a Buffer (Fastify's type says otherwise).
      const raw: unknown = error.rawPacket;
      const target = Buffer.isBuffer(raw) ? REQUEST_TARGET.exec(raw.subarray(0, 4096).toString('latin1'))?.[1] : undefined;
      const problem = clientErrorProblem(error, target);
      const oip = target !== undefined && oipRoutes?.test(target);
      const { status, body, type } = oip
        ? { ...oipErrorOf(problem), type: OIP_ERROR_CONTENT_TYPE }
        : { status: problem.status, body: problem, type: PROBLEM_CONTENT_TYPE };
      const text = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy(error);
  };
}
