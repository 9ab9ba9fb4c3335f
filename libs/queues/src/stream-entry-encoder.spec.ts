import { StreamEntryEncoder } from './stream-entry-encoder';

const decoded = (entry: Buffer): unknown => JSON.parse(entry.toString('utf8'));

describe('StreamEntryEncoder', () => {
  it('writes the JSON array of the events in the range, in order, as JSON.stringify would', () => {
    const events = [{ request_id: 'a', at: 1 }, { request_id: 'b', at: 2.5 }, { request_id: 'c', at: null }, { request_id: 'd' }];

    const entry = new StreamEntryEncoder().encode(events, 1, 3);

    expect(entry.toString('utf8')).toBe('[{"request_id":"b","at":2.5},{"request_id":"c","at":null}]');
  });

  it('writes an empty range as an empty array', () => {
    expect(new StreamEntryEncoder().encode([{ a: 1 }], 1, 1).toString('utf8')).toBe('[]');
  });

  it('joins the groups it serializes one by one into one array, whatever the range', () => {
    const events = Array.from({ length: 503 }, (_, i) => ({ request_id: `req-${i}`, latency_us: i }));
    const encoder = new StreamEntryEncoder();

    for (const [from, to] of [[0, 1], [0, 50], [0, 51], [3, 103], [0, 500], [500, 503]]) {
      const entry = encoder.encode(events, from, to);
      expect(entry.equals(Buffer.from(JSON.stringify(events.slice(from, to))))).toBe(true);
    }
  });

  it('encodes text beyond ASCII as UTF-8, with the escapes JSON.stringify writes', () => {
    const events = [{ label: 'café' }, { label: '猫' }, { label: '😀' }, { label: 'a\u2028b"\\\n' }, { label: '\ud800' }];

    const entry = new StreamEntryEncoder().encode(events, 0, events.length);

    expect(decoded(entry)).toEqual(events);
    expect(entry.equals(Buffer.from(JSON.stringify(events), 'utf8'))).toBe(true);
  });

  it('hands out entries of their own: the next entry does not overwrite the last', () => {
    const encoder = new StreamEntryEncoder();
    const first = encoder.encode([{ n: 1 }], 0, 1);
    const second = encoder.encode([{ n: 22 }], 0, 1);

    expect([first.toString('utf8'), second.toString('utf8')]).toEqual(['[{"n":1}]', '[{"n":22}]']);
  });

  it('grows for events larger than its scratch space, multi-byte ones included, and writes the next entry as well', () => {
    const encoder = new StreamEntryEncoder();
    // 1.5 million units of three bytes each: beyond the scratch's first 256 KiB and beyond the 4 MiB it keeps.
    const large = { payload: '€'.repeat(1_500_000), tail: 'end' };
    const many = Array.from({ length: 3_000 }, (_, i) => ({ request_id: `req-${i}`, label: 'ß'.repeat(i % 40) }));

    expect(decoded(encoder.encode([{ n: 0 }, large, { n: 2 }], 0, 3))).toEqual([{ n: 0 }, large, { n: 2 }]);
    expect(decoded(encoder.encode(many, 0, many.length))).toEqual(many);
  });

  it('keeps the groups already written when a later group needs more room', () => {
    const events = Array.from({ length: 120 }, (_, i) => ({ request_id: `req-${i}`, payload: i === 70 ? 'é'.repeat(200_000) : null }));

    const entry = new StreamEntryEncoder().encode(events, 0, events.length);

    expect(entry.equals(Buffer.from(JSON.stringify(events)))).toBe(true);
  });
});
