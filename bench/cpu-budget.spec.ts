import { cpuBudget, describeBudgets } from './cpu-budget';

describe('cpuBudget', () => {
  it('adds the parts and gives the req/s the cores could serve at that cost', () => {
    const budget = cpuBudget({ server: 45, 'load generator': 30, worker: 5 }, 2);
    expect(budget).toEqual({ parts: { server: 45, 'load generator': 30, worker: 5 }, total_us: 80, ceiling_rps: 25_000 });
  });

  it('has no ceiling when nothing was measured', () => {
    expect(cpuBudget({}, 2).ceiling_rps).toBeNaN();
  });
});

describe('describeBudgets', () => {
  it("says each run's sum, ceiling and share served, and what the target allows beyond the baseline", () => {
    const bare = { name: 'bare', budget: cpuBudget({ server: 40, 'load generator': 20 }, 2), rps: 20_000 };
    const gateway = { name: 'gateway', budget: cpuBudget({ server: 60, 'load generator': 25, worker: 15 }, 2), rps: 14_000 };
    expect(describeBudgets(2, bare, [gateway], 0.8)).toBe(
      'CPU per response of every process on these 2 cores (server, load generator, worker): ' +
        'bare 40 + 20 = 60 µs (cores full: 33333 req/s; served 0.60× of it); ' +
        'gateway 60 + 25 + 15 = 100 µs (cores full: 20000 req/s; served 0.70× of it). ' +
        'At the same share of the cores as bare, 0.8× its req/s needs at most 75 µs per response, 15 more than its; gateway took 40 more',
    );
  });

  it('needs a run to compare', () => {
    const bare = { name: 'bare', budget: cpuBudget({ server: 40 }, 2), rps: 20_000 };
    expect(() => describeBudgets(2, bare, [], 0.85)).toThrow('no run to compare');
  });
});
