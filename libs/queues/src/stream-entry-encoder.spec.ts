import { EVENTS_PER_STRINGIFY, StreamEntryEncoder } from './stream-entry-encoder';

const text = (entry: { bytes: Buffer }): string => entry.bytes.toString('utf8');
const decoded = (entry: { bytes: Buffer }): unknown => JSON.parse(text(entry));

/** Appends the events in groups of EVENTS_PER_STRINGIFY, as the prediction recorder does, each group with its index. */
function appendInGroups(encoder: StreamEntryEncoder<number>, events: unknown[]): void {
  for (let i = 0; i < events.length; i += EVENTS_PER_STRINGIFY) encoder.append(events.slice(i, i + EVENTS_PER_STRINGIFY), i / EVENTS_PER_STRINGIFY);
}

describe('StreamEntryEncoder', () => {
  it('writes the groups appended as one JSON array, in order, as JSON.stringify would', () => {
    const encoder = new StreamEntryEncoder<number>();
    encoder.append([{ request_id: 'a', at: 1 }, { request_id: 'b', at: 2.5 }], 0);
    encoder.append([{ request_id: 'c', at: null }], 0);
    encoder.append([{ request_id: 'd' }], 0);
    expect(encoder.events).toBe(4);

    const entries = encoder.take(500);

    expect(entries.map(text)).toEqual(['[{"request_id":"a","at":1},{"request_id":"b","at":2.5},{"request_id":"c","at":null},{"request_id":"d"}]']);
    expect(entries[0].events).toBe(4);
    expect(encoder.events).toBe(0);
  });

  it('takes nothing when nothing was appended, and an empty group adds nothing', () => {
    const encoder = new StreamEntryEncoder<number>();
    encoder.append([], 0);

    expect(encoder.take(500)).toEqual([]);
    expect(encoder.events).toBe(0);
  });

  it('splits the events into entries of whole groups of at most the given count, byte for byte their JSON', () => {
    const events = Array.from({ length: 1_203 }, (_, i) => ({ request_id: `req-${i}`, latency_us: i }));
    const encoder = new StreamEntryEncoder<number>();
    appendInGroups(encoder, events);

    const entries = encoder.take(500);

    expect(entries.map((entry) => entry.events)).toEqual([500, 500, 203]);
    // Each entry hands back the values of the groups it holds.
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    expect(entries.map((entry) => entry.groups)).toEqual([range(0, 10), range(10, 20), range(20, 25)]);
    let from = 0;
    for (const entry of entries) {
      expect(entry.bytes.equals(Buffer.from(JSON.stringify(events.slice(from, from + entry.events))))).toBe(true);
      from += entry.events;
    }
  });

  it('makes a group larger than an entry an entry of its own', () => {
    const encoder = new StreamEntryEncoder<number>();
    encoder.append([{ n: 1 }], 1);
    encoder.append(Array.from({ length: 5 }, (_, n) => ({ n: n + 2 })), 2);
    encoder.append([{ n: 7 }], 3);

    const entries = encoder.take(3);

    expect(entries.map(text)).toEqual(['[{"n":1}]', '[{"n":2},{"n":3},{"n":4},{"n":5},{"n":6}]', '[{"n":7}]']);
    expect(entries.map((entry) => entry.groups)).toEqual([[1], [2], [3]]);
  });

  it('encodes text beyond ASCII as UTF-8, with the escapes JSON.stringify writes', () => {
    const events = [{ label: 'café' }, { label: '猫' }, { label: '😀' }, { label: 'a\u2028b"\\\n' }, { label: '\ud800' }];
    const encoder = new StreamEntryEncoder<number>();
    encoder.append(events.slice(0, 2), 0);
    encoder.append(events.slice(2), 0);

    const [entry] = encoder.take(500);

    expect(decoded(entry)).toEqual(events);
    expect(entry.bytes.equals(Buffer.from(JSON.stringify(events), 'utf8'))).toBe(true);
  });

  it('hands out entries of their own: what is appended after a take does not overwrite them', () => {
    const encoder = new StreamEntryEncoder<number>();
    encoder.append([{ n: 1 }], 0);
    const [first] = encoder.take(500);
    encoder.append([{ n: 22 }], 0);
    const [second] = encoder.take(500);

    expect([text(first), text(second)]).toEqual(['[{"n":1}]', '[{"n":22}]']);
  });

  it('grows for events larger than its scratch space, multi-byte ones included, and encodes the next ones as well', () => {
    const encoder = new StreamEntryEncoder<number>();
    // 1.5 million units of three bytes each: beyond the scratch's first 256 KiB and beyond the 4 MiB it keeps.
    const large = { payload: '€'.repeat(1_500_000), tail: 'end' };
    const many = Array.from({ length: 3_000 }, (_, i) => ({ request_id: `req-${i}`, label: 'ß'.repeat(i % 40) }));

    encoder.append([{ n: 0 }, large, { n: 2 }], 0);
    expect(encoder.take(500).map(decoded)).toEqual([[{ n: 0 }, large, { n: 2 }]]);
    appendInGroups(encoder, many);
    expect(encoder.take(3_000).map(decoded)).toEqual([many]);
  });

  it('keeps the groups already written when a later group needs more room', () => {
    const events = Array.from({ length: 120 }, (_, i) => ({ request_id: `req-${i}`, payload: i === 70 ? 'é'.repeat(200_000) : null }));
    const encoder = new StreamEntryEncoder<number>();
    appendInGroups(encoder, events);

    const [entry] = encoder.take(500);

    expect(entry.bytes.equals(Buffer.from(JSON.stringify(events)))).toBe(true);
  });
});
