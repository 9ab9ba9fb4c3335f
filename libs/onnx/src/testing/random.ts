/**
 * A Mulberry32 generator: four lines, 32-bit state, good enough to spread weights (and to seed test
 * simulations), and identical on every platform, which Math.random is not.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random-looking bytes, the same in every run, for a file that is not a model. A test's input should
 * not change from run to run: fresh randomBytes passed the upload's inspection about one draw in 500
 * while it read a Buffer with protobufjs's lenient reader, and the test failed then.
 */
export function seededBytes(length: number, seed: number): Uint8Array {
  const next = mulberry32(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}
