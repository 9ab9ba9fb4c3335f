import { readFile } from 'node:fs/promises';
import { ServerCredentials } from '@grpc/grpc-js';

/**
 * The gRPC server's credentials: TLS when GATEWAY_GRPC_TLS_CERT and GATEWAY_GRPC_TLS_KEY name PEM files
 * (as Triton's --grpc-server-cert and --grpc-server-key), plaintext when neither does. One without the
 * other, or a file that cannot be read or is not PEM, stops the gateway at start with the variable named.
 */
export async function grpcServerCredentials(certFile: string | undefined, keyFile: string | undefined): Promise<{ credentials: ServerCredentials; tls: boolean }> {
  if (certFile === undefined && keyFile === undefined) return { credentials: ServerCredentials.createInsecure(), tls: false };
  if (certFile === undefined || keyFile === undefined) {
    const [missing, given] = certFile === undefined ? ['GATEWAY_GRPC_TLS_CERT', 'GATEWAY_GRPC_TLS_KEY'] : ['GATEWAY_GRPC_TLS_KEY', 'GATEWAY_GRPC_TLS_CERT'];
    throw new Error(`${missing} is required with ${given}: TLS for gRPC needs the certificate chain and its private key (PEM files)`);
  }
  const [cert, key] = await Promise.all([readPem(certFile, 'GATEWAY_GRPC_TLS_CERT', 'CERTIFICATE'), readPem(keyFile, 'GATEWAY_GRPC_TLS_KEY', 'PRIVATE KEY')]);
  try {
    return { credentials: ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false), tls: true };
  } catch (error) {
    throw new Error(`GATEWAY_GRPC_TLS_CERT, GATEWAY_GRPC_TLS_KEY: not a usable certificate and key: ${(error as Error).message}`);
  }
}

/** A PEM file's bytes; a file that cannot be read, or holds no PEM block of `label`, names its variable. */
async function readPem(file: string, variable: string, label: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file}: ${(error as Error).message}`);
  }
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN ') || !text.includes(`${label}-----`)) throw new Error(`${variable}: ${file} holds no PEM ${label} block`);
  return bytes;
}
