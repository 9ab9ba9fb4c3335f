import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { grpcServerCredentials } from './grpc-credentials';

const TLS = path.join(__dirname, '..', '..', 'test', 'fixtures', 'tls');
const CERT = path.join(TLS, 'localhost.cert.pem');
const KEY = path.join(TLS, 'localhost.key.pem');
const CLIENT_CA = path.join(TLS, 'client-ca.cert.pem');

describe('grpcServerCredentials', () => {
  it('is plaintext with neither file, TLS with both, mutual TLS with the client CA too', async () => {
    expect(await grpcServerCredentials(undefined, undefined, undefined)).toMatchObject({ tls: false, mutual: false });
    const tls = await grpcServerCredentials(CERT, KEY, undefined);
    expect(tls).toMatchObject({ tls: true, mutual: false });
    expect(tls.credentials._isSecure()).toBe(true);
    expect(tls.credentials._getConstructorOptions()).toMatchObject({ requestCert: false });
    const mutual = await grpcServerCredentials(CERT, KEY, CLIENT_CA);
    expect(mutual).toMatchObject({ tls: true, mutual: true });
    // The server asks for a client certificate and trusts only the client CA to have signed it.
    expect(mutual.credentials._getConstructorOptions()).toMatchObject({ requestCert: true });
    expect(mutual.credentials._getSecureContextOptions()?.ca).toEqual(readFileSync(CLIENT_CA));
  });

  it('names the variable that is missing when only one is set', async () => {
    await expect(grpcServerCredentials(CERT, undefined, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY is required with GATEWAY_GRPC_TLS_CERT/);
    await expect(grpcServerCredentials(undefined, KEY, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT is required with GATEWAY_GRPC_TLS_KEY/);
  });

  it('refuses the client CA without the certificate and key, naming them', async () => {
    await expect(grpcServerCredentials(undefined, undefined, CLIENT_CA)).rejects.toThrow(
      /^GATEWAY_GRPC_TLS_CERT and GATEWAY_GRPC_TLS_KEY are required with GATEWAY_GRPC_TLS_CLIENT_CA/,
    );
    await expect(grpcServerCredentials(CERT, undefined, CLIENT_CA)).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY is required with GATEWAY_GRPC_TLS_CERT/);
  });

  it('names the variable whose file cannot be read, is not the PEM it should be, or does not parse', async () => {
    await expect(grpcServerCredentials(path.join(TLS, 'missing.pem'), KEY, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT: cannot read .*missing\.pem/);
    await expect(grpcServerCredentials(CERT, path.join(TLS, 'README.md'), undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY: .*README\.md holds no PEM PRIVATE KEY block/);
    await expect(grpcServerCredentials(KEY, CERT, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT: .* holds no PEM CERTIFICATE block/);
    await expect(grpcServerCredentials(CERT, KEY, path.join(TLS, 'missing-ca.pem'))).rejects.toThrow(/^GATEWAY_GRPC_TLS_CLIENT_CA: cannot read .*missing-ca\.pem/);
    await expect(grpcServerCredentials(CERT, KEY, path.join(TLS, 'README.md'))).rejects.toThrow(/^GATEWAY_GRPC_TLS_CLIENT_CA: .*README\.md holds no PEM CERTIFICATE block/);
    await expect(grpcServerCredentials(CERT, KEY, path.join(TLS, 'client.key.pem'))).rejects.toThrow(/^GATEWAY_GRPC_TLS_CLIENT_CA: .*client\.key\.pem holds no PEM CERTIFICATE block/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'grpc-ca-'));
    try {
      const garbled = path.join(dir, 'garbled.pem');
      writeFileSync(garbled, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
      await expect(grpcServerCredentials(CERT, KEY, garbled)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CLIENT_CA: .*garbled\.pem holds no certificate that can be read/);
      await expect(grpcServerCredentials(garbled, KEY, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT: .*garbled\.pem holds no certificate that can be read/);
      const garbledKey = path.join(dir, 'garbled.key.pem');
      writeFileSync(garbledKey, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
      await expect(grpcServerCredentials(CERT, garbledKey, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY: .*garbled\.key\.pem holds no private key that can be read/);
      // The client's key is a real key, but not the server certificate's.
      await expect(grpcServerCredentials(CERT, path.join(TLS, 'client.key.pem'), undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY: .*client\.key\.pem is not the private key of the certificate/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
