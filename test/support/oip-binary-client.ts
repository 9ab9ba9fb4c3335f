import { authHeaders } from './client';

/**
 * An Open Inference Protocol client for the binary tensor data extension, written from its
 * description (KServe's and Triton's "Binary Tensor Data Extension") as Triton's and KServe's HTTP
 * clients implement it, and independent of the gateway's codec: tensor bytes little-endian,
 * row-major, unpadded, after the JSON request; BOOL one byte; BYTES a 4-byte little-endian length
 * then the bytes; `Inference-Header-Content-Length` the JSON's length.
 */

export type Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';
/** Elements as the caller holds them: numbers (FP16 as its bits), bigints for 64-bit integers, booleans, strings. */
export type Elements = number[] | bigint[] | boolean[] | string[];

export interface ClientInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  elements: Elements;
  /** Send as binary data (the default) or as JSON `data`. */
  binary?: boolean;
  /** Bytes to send instead of the elements' own (to send something malformed). */
  rawBytes?: Uint8Array;
}

export interface ClientRequest {
  id?: string;
  inputs: ClientInput[];
  outputs?: Array<{ name: string; binary_data?: boolean }>;
  parameters?: Record<string, unknown>;
}

const SIZES: Record<Datatype, number> = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8, BYTES: 0 };

/** The extension's bytes for one tensor, written element by element with a DataView (little-endian). */
export function tensorBytes(datatype: Datatype, elements: Elements): Buffer {
  if (datatype === 'BYTES') {
    return Buffer.concat(
      (elements as string[]).flatMap((text) => {
        const bytes = Buffer.from(text, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32LE(bytes.length, 0);
        return [length, bytes];
      }),
    );
  }
  const size = SIZES[datatype];
  const bytes = Buffer.alloc(size * elements.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  elements.forEach((value, i) => {
    const at = i * size;
    switch (datatype) {
      case 'BOOL': view.setUint8(at, value ? 1 : 0); break;
      case 'UINT8': view.setUint8(at, value as number); break;
      case 'INT8': view.setInt8(at, value as number); break;
      case 'UINT16': case 'FP16': view.setUint16(at, value as number, true); break;
      case 'INT16': view.setInt16(at, value as number, true); break;
      case 'UINT32': view.setUint32(at, value as number, true); break;
      case 'INT32': view.setInt32(at, value as number, true); break;
      case 'FP32': view.setFloat32(at, value as number, true); break;
      case 'UINT64': view.setBigUint64(at, value as bigint, true); break;
      case 'INT64': view.setBigInt64(at, value as bigint, true); break;
      case 'FP64': view.setFloat64(at, value as number, true); break;
    }
  });
  return bytes;
}

/** The elements of one tensor from its bytes (FP16 as its bits). */
export function tensorElements(datatype: Datatype, bytes: Buffer): Elements {
  if (datatype === 'BYTES') {
    const strings: string[] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = bytes.readUInt32LE(at);
      strings.push(bytes.subarray(at + 4, at + 4 + length).toString('utf8'));
      at += 4 + length;
    }
    return strings;
  }
  const size = SIZES[datatype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (at: number): number | bigint | boolean => {
    switch (datatype) {
      case 'BOOL': return view.getUint8(at) === 1;
      case 'UINT8': return view.getUint8(at);
      case 'INT8': return view.getInt8(at);
      case 'UINT16': case 'FP16': return view.getUint16(at, true);
      case 'INT16': return view.getInt16(at, true);
      case 'UINT32': return view.getUint32(at, true);
      case 'INT32': return view.getInt32(at, true);
      case 'FP32': return view.getFloat32(at, true);
      case 'UINT64': return view.getBigUint64(at, true);
      case 'INT64': return view.getBigInt64(at, true);
      case 'FP64': return view.getFloat64(at, true);
    }
  };
  return Array.from({ length: bytes.length / size }, (_, i) => read(i * size)) as Elements;
}

/** The request's body and the header giving its JSON's length (absent when nothing is binary). */
export function encodeRequest(request: ClientRequest): { body: Buffer; headerLength?: number } {
  const parts: Buffer[] = [];
  const inputs = request.inputs.map((input) => {
    const { name, datatype, shape } = input;
    if (input.binary === false) return { name, datatype, shape, data: input.elements.map((e) => (typeof e === 'bigint' ? e.toString() : e)) };
    const bytes = input.rawBytes ? Buffer.from(input.rawBytes) : tensorBytes(datatype, input.elements);
    parts.push(bytes);
    return { name, datatype, shape, parameters: { binary_data_size: bytes.length } };
  });
  const json = Buffer.from(
    JSON.stringify({
      ...(request.id !== undefined && { id: request.id }),
      inputs,
      ...(request.outputs && { outputs: request.outputs.map(({ name, binary_data }) => ({ name, ...(binary_data !== undefined && { parameters: { binary_data } }) })) }),
      ...(request.parameters && { parameters: request.parameters }),
    }),
  );
  return { body: Buffer.concat([json, ...parts]), ...(parts.length > 0 && { headerLength: json.length }) };
}

export interface ClientOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  elements: Elements;
  /** Whether it came as binary data. */
  binary: boolean;
}

export interface ClientAnswer {
  status: number;
  headers: Headers;
  /** The JSON part (the whole body when no Inference-Header-Content-Length came back). */
  json: any;
  outputs: ClientOutput[];
}

/** Reads an answer as the extension frames it: JSON, then each binary output's bytes in the order listed. */
export function decodeAnswer(status: number, headers: Headers, body: Buffer): ClientAnswer {
  const headerLength = headers.get('inference-header-content-length');
  const jsonLength = headerLength === null ? body.length : Number(headerLength);
  const json = JSON.parse(body.subarray(0, jsonLength).toString('utf8'));
  let at = jsonLength;
  const outputs: ClientOutput[] = (json.outputs ?? []).map((output: any) => {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) {
      const elements = output.data.map((e: unknown) => (typeof e === 'string' && /^-?\d+$/.test(e) && output.datatype.includes('INT64') ? BigInt(e) : e));
      return { name: output.name, datatype: output.datatype, shape: output.shape, elements, binary: false };
    }
    const bytes = body.subarray(at, at + size);
    at += size;
    return { name: output.name, datatype: output.datatype, shape: output.shape, elements: tensorElements(output.datatype, bytes), binary: true };
  });
  if (at !== body.length) throw new Error(`the answer has ${body.length - at} bytes after its last binary output`);
  return { status, headers, json, outputs };
}

/**
 * POSTs an inference request the way Triton's HTTP client does: binary inputs after the JSON, with
 * Inference-Header-Content-Length; `contentType` as that client's callers may set it (none by default).
 */
export async function inferBinary(
  url: string,
  request: ClientRequest,
  options: { headers?: Record<string, string>; contentType?: string; body?: Buffer; headerLength?: string | null } = {},
): Promise<ClientAnswer> {
  const encoded = encodeRequest(request);
  // headerLength: null sends none, whatever the body.
  const headerLength = options.headerLength === null ? undefined : (options.headerLength ?? (encoded.headerLength === undefined ? undefined : String(encoded.headerLength)));
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...authHeaders(),
      ...(headerLength !== undefined && { 'inference-header-content-length': headerLength }),
      ...(options.contentType !== undefined ? { 'content-type': options.contentType } : headerLength === undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body ?? encoded.body,
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) return { status: response.status, headers: response.headers, json: JSON.parse(body.toString('utf8')), outputs: [] };
  return decodeAnswer(response.status, response.headers, body);
}
