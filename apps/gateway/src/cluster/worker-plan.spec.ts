import { inferenceThreadShare, restartDelayMs, workerReplicaId } from './worker-plan';

describe('the gateway primary’s plan for its workers', () => {
  it('names each worker after its slot, within the replica id’s 100 characters', () => {
    expect(workerReplicaId('gateway-a', 1)).toBe('gateway-a-w1');
    expect(workerReplicaId('host:8080', 12)).toBe('host:8080-w12');
    const long = workerReplicaId('x'.repeat(100), 3);
    expect(long).toHaveLength(100);
    expect(long.endsWith('-w3')).toBe(true);
  });

  it('splits the inference threads over the workers, at least one each unless the total is 0', () => {
    const shares = (total: number, workers: number) => Array.from({ length: workers }, (_, i) => inferenceThreadShare(total, workers, i + 1));
    expect(shares(8, 4)).toEqual([2, 2, 2, 2]);
    expect(shares(5, 2)).toEqual([3, 2]);
    expect(shares(1, 2)).toEqual([1, 1]);
    expect(shares(0, 4)).toEqual([0, 0, 0, 0]);
    expect(shares(3, 1)).toEqual([3]);
  });

  it('waits longer after each death in a row, up to 30 s', () => {
    expect([1, 2, 3, 4].map(restartDelayMs)).toEqual([250, 500, 1000, 2000]);
    expect(restartDelayMs(20)).toBe(30_000);
  });
});
