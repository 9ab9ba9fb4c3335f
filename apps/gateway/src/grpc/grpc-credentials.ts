import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ServerCredentials } from '@grpc/grpc-js';

/**
 * The gRPC server's credentials: TLS when GATEWAY_GRPC_TLS_CERT and GATEWAY_GRPC_TLS_KEY name PEM files
 * (as Triton's --grpc-server-cert and --grpc-server-key), plaintext when neither does. With
 * GATEWAY_GRPC_TLS_CLIENT_CA as well (as Triton's --grpc-use-ssl-mutual with --grpc-root-cert), mutual
 * TLS: a client must present a certificate signed by one of those authorities, or its handshake fails.
 * One of the pair without the other, the client CA without both, or a file that cannot be read or is not
 * PEM, stops the gateway at start with the variable named.
 */
export async function grpcServerCredentials(
  certFile: string | undefined,
  keyFile: string | undefined,
  clientCaFile: string | undefined,
): Promise<{ credentials: ServerCredentials; tls: boolean; mutual: boolean }> {
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) {
      throw new Error('GATEWAY_GRPC_TLS_CERT and GATEWAY_GRPC_TLS_KEY are required with GATEWAY_GRPC_TLS_CLIENT_CA: client certificates are asked for only over TLS');
    }
    return { credentials: ServerCredentials.createInsecure(), tls: false, mutual: false };
  }
  if (certFile === undefined || keyFile === undefined) {
    const [missing, given] = certFile === undefined ? ['GATEWAY_GRPC_TLS_CERT', 'GATEWAY_GRPC_TLS_KEY'] : ['GATEWAY_GRPC_TLS_KEY', 'GATEWAY_GRPC_TLS_CERT'];
    throw new Error(`${missing} is required with ${given}: TLS for gRPC needs the certificate chain and its private key (PEM files)`);
  }
  // One after another, so that of several bad files the first named is the one reported, every time.
  const cert = await readPem(certFile, 'GATEWAY_GRPC_TLS_CERT', 'CERTIFICATE');
  const key = await readPem(keyFile, 'GATEWAY_GRPC_TLS_KEY', 'PRIVATE KEY');
  const clientCa = clientCaFile === undefined ? null : await readPem(clientCaFile, 'GATEWAY_GRPC_TLS_CLIENT_CA', 'CERTIFICATE');
  // grpc-js takes any bytes and fails only at bind (or, for the CA, refuses every client): parsed here,
  // a bad file stops the start naming its variable.
  const certificate = parsed(() => new X509Certificate(cert), 'GATEWAY_GRPC_TLS_CERT', `${certFile} holds no certificate that can be read`);
  const privateKey = parsed(() => createPrivateKey(key), 'GATEWAY_GRPC_TLS_KEY', `${keyFile} holds no private key that can be read`);
  if (!certificate.checkPrivateKey(privateKey)) throw new Error(`GATEWAY_GRPC_TLS_KEY: ${keyFile} is not the private key of the certificate in ${certFile}`);
  if (clientCa !== null) parsed(() => new X509Certificate(clientCa), 'GATEWAY_GRPC_TLS_CLIENT_CA', `${clientCaFile} holds no certificate that can be read`);
  const mutual = clientCa !== null;
  return { credentials: ServerCredentials.createSsl(clientCa, [{ cert_chain: cert, private_key: key }], mutual), tls: true, mutual };
}

function parsed<T>(parse: () => T, variable: string, problem: string): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${variable}: ${problem}: ${(error as Error).message}`);
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
