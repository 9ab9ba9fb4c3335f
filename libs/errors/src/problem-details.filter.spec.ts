import { Logger, NotFoundException } from '@nestjs/common';
import { clientErrorProblem, oipErrorOf, toProblem } from './problem-details.filter';

const logger = new Logger('test');
const fastifyError = (code: string, message: string, statusCode: number) => Object.assign(new Error(message), { code, statusCode });

describe('errors raised before a handler runs', () => {
  it('answers an over-long path segment as a 404 that does not repeat the path', () => {
    const path = `/v1/models/${'a'.repeat(5000)}`;
    const problem = toProblem(fastifyError('FST_ERR_MAX_PARAM_LENGTH', `'${path}' is exceeding the max param length`, 414), path, logger);
    expect({ status: problem.status, type: problem.type }).toEqual({ status: 404, type: '/problems/route-not-found' });
    expect(problem.detail).not.toContain('aaaa');
  });

  it('answers an unmatched route with a detail that does not repeat the path', () => {
    const problem = toProblem(new NotFoundException(`Cannot GET /${'b'.repeat(5000)}`), '/bbb', logger);
    expect({ status: problem.status, type: problem.type }).toEqual({ status: 404, type: '/problems/route-not-found' });
    expect(problem.detail).not.toContain('bbbb');
  });

  it.each([
    ['no boundary', 'Multipart: Boundary not found'],
    ['a wrong boundary or no closing delimiter', 'Unexpected end of multipart data'],
    ['a part cut short', 'Part terminated early due to unexpected end of multipart data'],
  ])('answers a multipart body with %s as a 400', (_label, message) => {
    const problem = toProblem(new Error(message), '/v1/models/m/versions', logger);
    expect({ status: problem.status, type: problem.type }).toEqual({ status: 400, type: '/problems/validation-failed' });
    expect(problem.detail).toContain('boundary');
  });

  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, '/problems/request-timeout'],
    ['HPE_HEADER_OVERFLOW', 431, '/problems/headers-too-large'],
    ['HPE_INVALID_METHOD', 400, '/problems/malformed-request'],
    [undefined, 400, '/problems/malformed-request'],
  ])("maps Node's client error %s to %d", (code, status, type) => {
    expect(clientErrorProblem({ code })).toEqual(expect.objectContaining({ status, type }));
  });

  it("names the Content-Type to send where Fastify's 415 says only \"Unsupported Media Type\"", () => {
    expect(toProblem(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type', 415), '/v1/models', logger)).toEqual(expect.objectContaining({ status: 415, detail: expect.stringContaining('send JSON as application/json') }));
  });

  it('keeps HTTP-level statuses on OIP routes and turns other 4xx into the protocol’s 400', () => {
    for (const status of [404, 405, 408, 413, 415, 431, 503]) {
      expect(oipErrorOf({ type: 't', title: 't', status, detail: 'd' }).status).toBe(status);
    }
    expect(oipErrorOf({ type: 't', title: 't', status: 409, detail: 'd', errors: [{ field: 'f', message: 'm' }] })).toEqual({ status: 400, body: { error: 'd (f: m)' } });
  });

  it('says each field error once on OIP routes when the detail already names some of them', () => {
    const errors = [
      { field: 'inputs[0].data', message: 'expected 4 values, got 3' },
      { field: 'inputs[1].shape', message: 'must be a list of integers' },
    ];
    const detail = 'inputs[0].data: expected 4 values, got 3; inputs[1].shape: must be a list of integers';
    expect(oipErrorOf({ type: 't', title: 't', status: 422, detail, errors }).body.error).toBe(detail);
    expect(oipErrorOf({ type: 't', title: 't', status: 422, detail: 'inputs[0].data: expected 4 values, got 3', errors }).body.error).toBe(
      'inputs[0].data: expected 4 values, got 3 (inputs[1].shape: must be a list of integers)',
    );
    const pin = 'unknown variant pin "nobody"';
    expect(oipErrorOf({ type: 't', title: 't', status: 422, detail: pin, errors: [{ field: 'X-Switchyard-Variant', message: pin }] }).body.error).toBe(
      'X-Switchyard-Variant: unknown variant pin "nobody"',
    );
  });
});
