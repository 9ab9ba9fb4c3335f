import { cpuBudget } from './figures';

describe('cpuBudget', () => {
  it('adds the parts and gives the req/s the cores could serve at that cost', () => {
    const budget = cpuBudget({ server: 45, 'load generator': 30, worker: 5 }, 2);
    expect(budget).toEqual({ parts: { server: 45, 'load generator': 30, worker: 5 }, total_us: 80, ceiling_rps: 25_000 });
  });

  it('has no ceiling when nothing was measured', () => {
    expect(cpuBudget({}, 2).ceiling_rps).toBeNaN();
  });
});
