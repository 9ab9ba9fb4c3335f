import { validateEnv, InvalidConfigurationError } from './validate-env';

describe('validateEnv', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = validateEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/switchyard');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379/0');
    expect(env.REDIS_PREFIX).toBe('switchyard');
    expect(env.ARTIFACT_STORE_URL).toBe('file://./data/artifacts');
    expect(env.REGISTRY_PORT).toBe(3000);
    expect(env.GATEWAY_PORT).toBe(8080);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.S3_FORCE_PATH_STYLE).toBe(false);
    expect(env.MAX_ARTIFACT_BYTES).toBe(2 * 1024 ** 3);
    expect(env.UPLOAD_IDLE_TIMEOUT_MS).toBe(30_000);
  });

  it('coerces numbers and booleans from strings', () => {
    const env = validateEnv({ REGISTRY_PORT: '3100', S3_FORCE_PATH_STYLE: 'true' });
    expect(env.REGISTRY_PORT).toBe(3100);
    expect(env.S3_FORCE_PATH_STYLE).toBe(true);
  });

  it.each([
    ['REGISTRY_PORT', 'abc'],
    ['GATEWAY_PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'not a url'],
    ['ARTIFACT_STORE_URL', 'ftp://x'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
    ['REDIS_PREFIX', 'has space'],
    ['MAX_ARTIFACT_BYTES', '-1'],
    ['UPLOAD_IDLE_TIMEOUT_MS', '0'],
  ])('names %s when it is %j', (variable, value) => {
    const attempt = () => validateEnv({ [variable]: value });
    expect(attempt).toThrow(InvalidConfigurationError);
    expect(attempt).toThrow(`${variable}: `);
    expect(attempt).toThrow(JSON.stringify(value));
  });

  it('treats an empty value as unset', () => {
    expect(validateEnv({ REGISTRY_PORT: '' }).REGISTRY_PORT).toBe(3000);
  });
});
