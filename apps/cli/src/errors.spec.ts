import { formatApiError, networkErrorCode } from './errors';
import { problemToError } from './client';

describe('errors', () => {
  it('finds the code of a fetch failure', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(networkErrorCode(error)).toBe('ECONNREFUSED');
    expect(networkErrorCode(new AggregateError([Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })]))).toBe('EHOSTUNREACH');
  });

  it('turns a problem into a message with its field errors', () => {
    const error = problemToError(400, { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'invalid body', errors: [{ field: 'name', message: 'required' }] });
    expect(error.message).toBe('error (400): invalid body\n  name: required');
    expect(error.exitCode).toBe(1);
    expect(problemToError(502, '<html>bad gateway</html>').message).toBe('error (502): HTTP 502: <html>bad gateway</html>');
    expect(formatApiError(404, 'no model "x"')).toBe('error (404): no model "x"');
  });
});

describe('formatApiError', () => {
  it('does not repeat a field error the detail already says', () => {
    expect(formatApiError(400, 'metadata: must be a JSON object', [{ field: 'metadata', message: 'must be a JSON object' }])).toBe('error (400): metadata: must be a JSON object');
  });
});
