import * as path from 'node:path';
import { grpcServerCredentials } from './grpc-credentials';

const TLS = path.join(__dirname, '..', '..', 'test', 'fixtures', 'tls');
const CERT = path.join(TLS, 'localhost.cert.pem');
const KEY = path.join(TLS, 'localhost.key.pem');

describe('grpcServerCredentials', () => {
  it('is plaintext with neither file, TLS with both', async () => {
    expect((await grpcServerCredentials(undefined, undefined)).tls).toBe(false);
    const tls = await grpcServerCredentials(CERT, KEY);
    expect(tls.tls).toBe(true);
    expect(tls.credentials._isSecure()).toBe(true);
  });

  it('names the variable that is missing when only one is set', async () => {
    await expect(grpcServerCredentials(CERT, undefined)).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY is required with GATEWAY_GRPC_TLS_CERT/);
    await expect(grpcServerCredentials(undefined, KEY)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT is required with GATEWAY_GRPC_TLS_KEY/);
  });

  it('names the variable whose file cannot be read or is not the PEM it should be', async () => {
    await expect(grpcServerCredentials(path.join(TLS, 'missing.pem'), KEY)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT: cannot read .*missing\.pem/);
    await expect(grpcServerCredentials(CERT, path.join(TLS, 'README.md'))).rejects.toThrow(/^GATEWAY_GRPC_TLS_KEY: .*README\.md holds no PEM PRIVATE KEY block/);
    await expect(grpcServerCredentials(KEY, CERT)).rejects.toThrow(/^GATEWAY_GRPC_TLS_CERT: .* holds no PEM CERTIFICATE block/);
  });
});
