import { type AppName, openApiPathOf, ROUTE_RULES, ruleFor, ruleForOpenApiPath } from './route-rules';

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

describe('ruleFor', () => {
  it("finds every rule of the table by its method and route pattern, and a HEAD by its GET's", () => {
    for (const app of Object.keys(ROUTE_RULES) as AppName[]) {
      for (const [route, rule] of Object.entries(ROUTE_RULES[app])) {
        const [method, pattern] = route.split(' ');
        expect({ app, route, rule: ruleFor(app, method, pattern) }).toEqual({ app, route, rule });
      }
    }
    expect(ruleFor('gateway', 'HEAD', '/v2/health/ready')).toBe('public');
    expect(ruleFor('registry', 'HEAD', '/v1/models/:name')).toBe('viewer');
  });

  it('has no rule for a route, a method or an app the table does not pair, nor for names every object has', () => {
    expect(ruleFor('gateway', 'GET', '/v1/models/:name/predict')).toBeUndefined();
    expect(ruleFor('gateway', 'POST', '/v1/keys')).toBeUndefined();
    expect(ruleFor('worker', 'POST', '/v1/models/:name/predict')).toBeUndefined();
    expect(ruleFor('gateway', 'post', '/v1/models/:name/predict')).toBeUndefined();
    expect(ruleFor('gateway', 'constructor', '/')).toBeUndefined();
    expect(ruleFor('gateway', 'GET', '__proto__')).toBeUndefined();
    expect(ruleFor('gateway', 'POST', 'constructor')).toBeUndefined();
  });
});
