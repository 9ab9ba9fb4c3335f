import { EXECUTION_ORDER, SCENARIOS } from '.';

describe('the scenario list', () => {
  it('holds scenarios 1 to 12 in table order, each with its own name', () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
  });

  it('runs every scenario once, the hot swap after every steady-state scenario and after the two-gateway ones', () => {
    expect([...EXECUTION_ORDER].sort((a, b) => a - b)).toEqual(SCENARIOS.map((s) => s.id));
    const position = (id: number) => EXECUTION_ORDER.indexOf(id);
    for (const id of [1, 2, 3, 4, 5, 7, 11]) expect(position(id)).toBeLessThan(position(6));
  });

  it('says which scenarios need the system, the bare baseline and the second gateway', () => {
    const ids = (pick: (s: (typeof SCENARIOS)[number]) => boolean | undefined) => SCENARIOS.filter(pick).map((s) => s.id);
    expect(ids((s) => s.needsSystem)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);
    expect(ids((s) => s.comparesToBare)).toEqual([1, 2, 3]);
    expect(ids((s) => s.drivesGateways)).toEqual([1, 3, 4, 5, 6, 7, 11]);
    expect(ids((s) => s.usesSecondGateway)).toEqual([7]);
  });
});
