/**
 * Roles of an API key. `viewer` ⊂ `publisher` ⊂ `operator` ⊂ `admin` are cumulative (each includes the
 * ones before it); `predict` stands apart, for product services that only call the gateway, and only
 * `admin` includes it. `approver` (viewer plus approving and rejecting versions) is for reviewers who
 * must not also publish or deploy; operators and admins include it. A key holds one or more roles.
 */
export const ROLES = ['predict', 'viewer', 'approver', 'publisher', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const INCLUDES: Record<Role, readonly Role[]> = {
  predict: ['predict'],
  viewer: ['viewer'],
  approver: ['approver', 'viewer'],
  publisher: ['publisher', 'viewer'],
  operator: ['operator', 'publisher', 'approver', 'viewer'],
  admin: ['admin', 'operator', 'publisher', 'approver', 'viewer', 'predict'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when a key holding `held` may do what needs `needed`. */
export function grants(held: readonly Role[], needed: Role): boolean {
  return held.some((role) => INCLUDES[role].includes(needed));
}

/** Every role a set of held roles amounts to, for messages and listings. */
export function effectiveRoles(held: readonly Role[]): Role[] {
  return ROLES.filter((role) => grants(held, role));
}
