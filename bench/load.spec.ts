import { connectionKeySlice } from './load';

describe('connectionKeySlice', () => {
  const sent = (keys: number, connections: number) =>
    Array.from({ length: connections }, (_, connection) => {
      const { start, end } = connectionKeySlice(keys, connections, connection);
      return Array.from({ length: end - start }, (__, i) => start + i);
    });

  it.each([
    [1000, 32],
    [1000, 8],
    [1000, 1],
    [1000, 1000],
    [7, 3],
  ])('splits %i keys over %i connections: each key sent by exactly one, none left without keys', (keys, connections) => {
    const slices = sent(keys, connections);
    expect(slices.every((slice) => slice.length >= Math.floor(keys / connections) && slice.length <= Math.ceil(keys / connections))).toBe(true);
    expect(slices.flat()).toEqual(Array.from({ length: keys }, (_, key) => key));
  });

  it('gives connections beyond the keys one key each, every key still sent', () => {
    const slices = sent(3, 8);
    expect(slices.every((slice) => slice.length === 1)).toBe(true);
    expect(new Set(slices.flat())).toEqual(new Set([0, 1, 2]));
  });
});
