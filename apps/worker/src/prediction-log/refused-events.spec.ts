import { QueryFailedError } from 'typeorm';
import { isRefusedData, isUniqueViolation, writeSettingAsideRefused } from './refused-events';

/** The error TypeORM throws for a failed query, carrying pg's error with its SQLSTATE. */
const pgError = (code: string) => new QueryFailedError('INSERT …', [], Object.assign(new Error(`sqlstate ${code}`), { code }));

describe('isRefusedData', () => {
  it.each(['22P02', '22003', '22021', '23505', '23514', '23503'])('takes SQLSTATE %s (classes 22 and 23) as refused data', (code) => {
    expect(isRefusedData(pgError(code))).toBe(true);
    expect(isRefusedData(Object.assign(new Error('raw pg error'), { code }))).toBe(true);
  });

  it.each(['40001', '40P01', '57P01', '08006', '53300', 'ECONNREFUSED'])('leaves %s to the retry', (code) => {
    expect(isRefusedData(pgError(code))).toBe(false);
  });

  it('leaves errors without a code to the retry', () => {
    expect(isRefusedData(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRefusedData(null)).toBe(false);
    expect(isRefusedData('22P02')).toBe(false);
  });
});

describe('isUniqueViolation', () => {
  it('takes 23505 (a key already there), wrapped by TypeORM or not', () => {
    expect(isUniqueViolation(pgError('23505'))).toBe(true);
    expect(isUniqueViolation(Object.assign(new Error('raw pg error'), { code: '23505' }))).toBe(true);
  });

  it.each(['23503', '23514', '22P02', '40001', 'ECONNREFUSED'])('not %s', (code) => {
    expect(isUniqueViolation(pgError(code))).toBe(false);
  });

  it('not an error without a code', () => {
    expect(isUniqueViolation(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});

describe('writeSettingAsideRefused', () => {
  /** A store that refuses, as a whole, any batch holding a poisoned event; it keeps what it wrote. */
  function store(poisoned: Set<number>, otherFailure?: Error) {
    const written: number[] = [];
    const writes: number[][] = [];
    const setAside: { event: number; message: string }[] = [];
    return {
      written,
      writes,
      setAside,
      write: async (events: number[]) => {
        writes.push(events);
        if (otherFailure) throw otherFailure;
        const bad = events.find((event) => poisoned.has(event));
        if (bad !== undefined) throw pgError('23514');
        written.push(...events);
      },
      putAside: async (event: number, error: Error) => {
        setAside.push({ event, message: error.message });
      },
    };
  }

  it('writes a clean batch in one write', async () => {
    const s = store(new Set());
    await writeSettingAsideRefused([1, 2, 3], s.write, s.putAside);
    expect(s.writes).toEqual([[1, 2, 3]]);
    expect(s.written).toEqual([1, 2, 3]);
    expect(s.setAside).toEqual([]);
  });

  it('sets aside only the refused events and writes every other one, in order', async () => {
    const events = Array.from({ length: 20 }, (_, i) => i);
    const s = store(new Set([3, 17]));
    await writeSettingAsideRefused(events, s.write, s.putAside);
    expect(s.written).toEqual(events.filter((e) => e !== 3 && e !== 17));
    expect(s.setAside).toEqual([
      { event: 3, message: 'sqlstate 23514' },
      { event: 17, message: 'sqlstate 23514' },
    ]);
    // Halving: each refused event costs about log2(20) ≈ 5 writes, not one write per event.
    expect(s.writes.length).toBeLessThanOrEqual(1 + 2 * 2 * Math.ceil(Math.log2(20)));
  });

  it('sets aside a lone refused event', async () => {
    const s = store(new Set([7]));
    await writeSettingAsideRefused([7], s.write, s.putAside);
    expect(s.written).toEqual([]);
    expect(s.setAside.map((r) => r.event)).toEqual([7]);
  });

  it('throws any other failure as it is, without halving or setting anything aside', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const s = store(new Set([1]), outage);
    await expect(writeSettingAsideRefused([1, 2, 3, 4], s.write, s.putAside)).rejects.toBe(outage);
    expect(s.writes).toEqual([[1, 2, 3, 4]]);
    expect(s.setAside).toEqual([]);
  });

  it('does nothing for no events', async () => {
    const s = store(new Set());
    await writeSettingAsideRefused([], s.write, s.putAside);
    expect(s.writes).toEqual([]);
  });
});
