import { effectiveRoles, grants, ROLES } from './roles';

describe('roles', () => {
  it('are cumulative from viewer to admin', () => {
    expect(effectiveRoles(['viewer'])).toEqual(['viewer']);
    expect(effectiveRoles(['publisher'])).toEqual(['viewer', 'publisher']);
    expect(effectiveRoles(['operator'])).toEqual(['viewer', 'publisher', 'operator']);
    expect(effectiveRoles(['admin'])).toEqual([...ROLES]);
  });

  it('keep predict apart: only admin includes it, and it includes nothing else', () => {
    expect(effectiveRoles(['predict'])).toEqual(['predict']);
    expect(grants(['operator'], 'predict')).toBe(false);
    expect(grants(['predict', 'viewer'], 'predict')).toBe(true);
    expect(grants(['predict', 'viewer'], 'publisher')).toBe(false);
  });
});
