import { effectiveRoles, grants, ROLES } from './roles';

describe('roles', () => {
  it('are cumulative from viewer to admin', () => {
    expect(effectiveRoles(['viewer'])).toEqual(['viewer']);
    expect(effectiveRoles(['publisher'])).toEqual(['viewer', 'publisher']);
    expect(effectiveRoles(['operator'])).toEqual(['viewer', 'approver', 'publisher', 'operator']);
    expect(effectiveRoles(['admin'])).toEqual([...ROLES]);
  });

  it('give approver review rights only, and operators approve too', () => {
    expect(effectiveRoles(['approver'])).toEqual(['viewer', 'approver']);
    expect(grants(['approver'], 'publisher')).toBe(false);
    expect(grants(['publisher'], 'approver')).toBe(false);
    expect(grants(['operator'], 'approver')).toBe(true);
  });

  it('keep predict apart: only admin includes it, and it includes nothing else', () => {
    expect(effectiveRoles(['predict'])).toEqual(['predict']);
    expect(grants(['operator'], 'predict')).toBe(false);
    expect(grants(['predict', 'viewer'], 'predict')).toBe(true);
    expect(grants(['predict', 'viewer'], 'publisher')).toBe(false);
  });
});
