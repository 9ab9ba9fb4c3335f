import { isDependencyFailure } from './dependency-failure';

const withCode = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

describe('isDependencyFailure', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset', withCode('ECONNRESET')],
    ['PostgreSQL connection failure', withCode('08006')],
    ['PostgreSQL shutting down', withCode('57P01')],
    ['pg losing its socket', new Error('Connection terminated unexpectedly')],
    ['ioredis while disconnected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a TypeORM error wrapping a refused connection', Object.assign(new Error('query failed'), { driverError: withCode('ECONNREFUSED') })],
    ['a cause chain', new Error('outer', { cause: new Error('middle', { cause: withCode('ETIMEDOUT') }) })],
    ['an AggregateError of refused addresses', new AggregateError([withCode('ECONNREFUSED')], 'connect failed')],
    ['S3 answering 503', Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 503 } })],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('recognises %s', (_label, error) => {
    expect(isDependencyFailure(error)).toBe(true);
  });

  it.each([
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a unique violation', withCode('23505')],
    ['S3 answering 404', Object.assign(new Error('NoSuchKey'), { $metadata: { httpStatusCode: 404 } })],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('does not mistake %s for one', (_label, error) => {
    expect(isDependencyFailure(error)).toBe(false);
  });
});
