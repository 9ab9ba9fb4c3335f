import { openApiPathOf, ruleForOpenApiPath } from './route-rules';

describe('openApiPathOf', () => {
  it.each([
    ['/v1/models/:name/predict', '/v1/models/{name}/predict'],
    ['/v1/models/:name::predict', '/v1/models/{name}:predict'],
    ['/v1/models/:name/versions/:version::predict', '/v1/models/{name}/versions/{version}:predict'],
    ['/v1/files/:file(^\\d+).png', '/v1/files/{file}.png'],
    ['/v2', '/v2'],
  ])('writes %s as %s', (route, path) => {
    expect(openApiPathOf(route)).toBe(path);
  });
});

describe('ruleForOpenApiPath', () => {
  it('finds the rule of the route a documented path describes, by method', () => {
    expect(ruleForOpenApiPath('gateway', 'POST', '/v1/models/{name}:predict')).toBe('predict');
    expect(ruleForOpenApiPath('gateway', 'GET', '/v1/models/{name}')).toBe('predict');
    expect(ruleForOpenApiPath('registry', 'GET', '/v1/models/{name}')).toBe('viewer');
    expect(ruleForOpenApiPath('gateway', 'DELETE', '/v1/models/{name}:predict')).toBeUndefined();
    expect(ruleForOpenApiPath('gateway', 'GET', '/v1/models/{model}')).toBeUndefined();
  });
});
