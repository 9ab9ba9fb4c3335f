/** `,`: joins two groups' arrays where the first one's `]` was. */
const COMMA = 0x2c;
/**
 * Events serialized by one `JSON.stringify`: a string of some 15 KB for the light model's events, far
 * below the size V8 allocates apart, while each call's fixed cost is spread over fifty events.
 */
const EVENTS_PER_STRINGIFY = 50;
const INITIAL_SCRATCH_BYTES = 256 * 1024;
/** A scratch buffer grown past this (an entry of large sampled payloads) is not kept for the next entry. */
const KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;

/**
 * Writes the batch a stream entry carries (STREAM_BATCH_FIELD: the JSON array of its events) as UTF-8
 * bytes. One `JSON.stringify` of a whole entry made a string of some 150 KB, which V8 allocates in fresh
 * memory of its own, which ioredis then concatenated into its command and Node flattened and encoded once
 * more to write it: the kernel's page faults on that fresh memory were a third of the flush's cost
 * (bench/README, "The prediction log's flush as bytes"). Here groups of events are serialized into one
 * scratch buffer reused from entry to entry, and the entry is copied out once.
 */
export class StreamEntryEncoder {
  private scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

  /** The JSON array of `events[from]` … `events[to - 1]`, as bytes of its own. */
  encode(events: readonly unknown[], from: number, to: number): Buffer {
    if (from >= to) return Buffer.from('[]');
    let length = 0;
    for (let group = from; group < to; group += EVENTS_PER_STRINGIFY) {
      const json = JSON.stringify(events.slice(group, Math.min(group + EVENTS_PER_STRINGIFY, to)));
      // A later group's array is written over the `]` before it, its `[` then made the comma between.
      const start = length === 0 ? 0 : length - 1;
      // A UTF-16 unit is at most three bytes of UTF-8 (a surrogate pair, two units, is four).
      this.ensureRoom(start, start + 3 * json.length);
      length = start + this.scratch.write(json, start);
      if (start > 0) this.scratch[start] = COMMA;
    }
    const entry = Buffer.from(this.scratch.subarray(0, length));
    if (this.scratch.length > KEPT_SCRATCH_BYTES) this.scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
    return entry;
  }

  /** Room for `bytes` in all, keeping the `written` bytes before them. */
  private ensureRoom(written: number, bytes: number): void {
    if (bytes <= this.scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.scratch.length, bytes));
    this.scratch.copy(grown, 0, 0, written);
    this.scratch = grown;
  }
}
