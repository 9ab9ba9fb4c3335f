import { issueKey } from '@switchyard/auth';
import { logFieldsWithoutKeys, requestLogLevel, requestWithoutKeys } from './logging';

describe('keys never reach a log line', () => {
  const { key, id } = issueKey();

  it('redacts keys in the URL, the query and every header, and leaves the live headers alone', () => {
    const headers = { 'x-api-key': key, 'x-forwarded-for': [key, '10.0.0.1'], accept: 'application/json' };
    const logged = requestWithoutKeys({ id: 'r1', method: 'GET', url: `/v1/models?api_key=${key}`, query: { api_key: key }, headers });
    expect(JSON.stringify(logged)).not.toContain(key.slice(16));
    expect(logged).toMatchObject({
      id: 'r1',
      url: `/v1/models?api_key=sy_${id}_[Redacted]`,
      query: { api_key: `sy_${id}_[Redacted]` },
      headers: { 'x-api-key': `sy_${id}_[Redacted]`, 'x-forwarded-for': [`sy_${id}_[Redacted]`, '10.0.0.1'], accept: 'application/json' },
    });
    expect(headers['x-api-key']).toBe(key);
  });

  it("redacts a log line's own fields, and returns a line without keys as it is", () => {
    expect(logFieldsWithoutKeys({ url: `/v1/models/m/predict?api_key=${key}`, status: 401 })).toEqual({ url: `/v1/models/m/predict?api_key=sy_${id}_[Redacted]`, status: 401 });
    const clean = { url: '/v1/models', status: 200 };
    expect(logFieldsWithoutKeys(clean)).toBe(clean);
  });
});

describe('request log levels', () => {
  const polls = ['/v1/deployments', '/v1/keys/states'];

  it('logs answered routine polls at debug and every other answer at info', () => {
    expect(requestLogLevel('/v1/deployments', 200, false, polls)).toBe('debug');
    expect(requestLogLevel('/v1/keys/states?x=1', 200, false, polls)).toBe('debug');
    expect(requestLogLevel('/v1/deployments/other', 200, false, polls)).toBe('info');
    expect(requestLogLevel('/v1/models', 201, false, polls)).toBe('info');
  });

  it('keeps a routine poll that failed or was refused at warn or error', () => {
    expect(requestLogLevel('/v1/deployments', 401, false, polls)).toBe('warn');
    expect(requestLogLevel('/v1/deployments', 503, false, polls)).toBe('error');
    expect(requestLogLevel('/v1/keys/states', 200, true, polls)).toBe('error');
  });
});
