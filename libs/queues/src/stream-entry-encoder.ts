/** `,`: joins two groups' arrays where the first one's `]` was. */
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/**
 * Events serialized by one `JSON.stringify`: a string of some 15 KB for the light model's events, far
 * below the size V8 allocates apart, while each call's fixed cost is spread over fifty events.
 */
export const EVENTS_PER_STRINGIFY = 50;
const INITIAL_SCRATCH_BYTES = 256 * 1024;
/** A scratch buffer grown past this (an entry of large sampled payloads) is not kept after the entries are taken. */
const KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;

/** A stream entry's batch as bytes, how many events it holds, and the values its groups were appended with. */
export interface EncodedEntry<GroupValue> {
  bytes: Buffer;
  events: number;
  groups: GroupValue[];
}

/**
 * Builds the batches stream entries carry (STREAM_BATCH_FIELD: the JSON array of their events) as UTF-8
 * bytes, from groups of events serialized as they come. The prediction recorder hands over every fifty
 * events as soon as they are recorded, so that no event object waits for the flush: events waiting up to
 * a flush interval were copied twice by the young generation's collector and promoted, to be collected
 * again later (bench/README, "What the collector does with the waiting events"). The groups are written
 * into one scratch buffer, each array joined to the one before where its `]` was, and `take` copies the
 * entries out: one `JSON.stringify` per entry made a string of some 150 KB, which V8 allocates in fresh
 * memory of its own, and the kernel's page faults on it were a third of the flush's cost ("The
 * prediction log's flush as bytes"). Each group carries a value of the caller's (the recorder's: its
 * events' request-index pairs), handed back with the entry that holds the group.
 */
export class StreamEntryEncoder<GroupValue> {
  private scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  /** Bytes written: the groups so far as one JSON array, `[` first and `]` last. */
  private length = 0;
  /** Where each group's events start in the scratch (after its `[` or `,`), how many it holds, and its value. */
  private groupStarts: number[] = [];
  private groupEvents: number[] = [];
  private groupValues: GroupValue[] = [];
  private count = 0;

  /** Events appended and not yet taken. */
  get events(): number {
    return this.count;
  }

  /** Serializes a group of events after those appended before; `value` comes back with its entry. */
  append(events: readonly unknown[], value: GroupValue): void {
    if (events.length === 0) return;
    const json = JSON.stringify(events);
    // A later group's array is written over the `]` before it, its `[` then made the comma between.
    const start = this.length === 0 ? 0 : this.length - 1;
    // A UTF-16 unit is at most three bytes of UTF-8 (a surrogate pair, two units, is four).
    this.ensureRoom(start, start + 3 * json.length);
    this.length = start + this.scratch.write(json, start);
    if (start > 0) this.scratch[start] = COMMA;
    this.groupStarts.push(start + 1);
    this.groupEvents.push(events.length);
    this.groupValues.push(value);
    this.count += events.length;
  }

  /**
   * The events appended so far as entries of whole groups, in order, each of at most `eventsPerEntry`
   * events (a group larger than that is an entry of its own), as bytes of their own; the encoder is
   * then empty.
   */
  take(eventsPerEntry: number): EncodedEntry<GroupValue>[] {
    const entries: EncodedEntry<GroupValue>[] = [];
    const groups = this.groupStarts.length;
    for (let first = 0; first < groups; ) {
      let last = first;
      let events = this.groupEvents[first];
      while (last + 1 < groups && events + this.groupEvents[last + 1] <= eventsPerEntry) events += this.groupEvents[++last];
      // From the first group's events to the byte before the next group's `,` (or the final `]`).
      const from = this.groupStarts[first];
      const to = last + 1 < groups ? this.groupStarts[last + 1] - 1 : this.length - 1;
      const entry = Buffer.allocUnsafe(to - from + 2);
      entry[0] = OPEN_BRACKET;
      this.scratch.copy(entry, 1, from, to);
      entry[entry.length - 1] = CLOSE_BRACKET;
      entries.push({ bytes: entry, events, groups: this.groupValues.slice(first, last + 1) });
      first = last + 1;
    }
    this.length = 0;
    this.groupStarts = [];
    this.groupEvents = [];
    this.groupValues = [];
    this.count = 0;
    if (this.scratch.length > KEPT_SCRATCH_BYTES) this.scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
    return entries;
  }

  /** Room for `bytes` in all, keeping the `written` bytes before them. */
  private ensureRoom(written: number, bytes: number): void {
    if (bytes <= this.scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.scratch.length, bytes));
    this.scratch.copy(grown, 0, 0, written);
    this.scratch = grown;
  }
}
