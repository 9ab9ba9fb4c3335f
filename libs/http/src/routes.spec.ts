import { routePattern } from './routes';

describe('routePattern', () => {
  it('matches a parameter as one non-empty segment', () => {
    const pattern = routePattern('/v1/models/:name/versions/:version');
    expect(pattern.test('/v1/models/m/versions/2')).toBe(true);
    expect(pattern.test('/v1/models/m/versions/')).toBe(false);
    expect(pattern.test('/v1/models/m/versions/2/artifact')).toBe(false);
    expect(pattern.test('/v1/models/a/b/versions/2')).toBe(false);
  });

  it('matches a wildcard as the rest of the path, and literal characters literally', () => {
    expect(routePattern('/docs/*').test('/docs/static/index.css')).toBe(true);
    expect(routePattern('/dashboard/chart.umd.js').test('/dashboard/chartXumdXjs')).toBe(false);
    expect(routePattern('/v2').test('/v2')).toBe(true);
    expect(routePattern('/v2').test('/v2/models')).toBe(false);
  });
});
