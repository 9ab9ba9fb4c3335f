import type { PredictionEvent } from '@switchyard/queues';
import { copyText, CopyTimestamps, predictionCopyRows } from './copy-rows';

const event = (overrides: Partial<PredictionEvent> = {}): PredictionEvent => ({
  request_id: 'req-1',
  model: 'fraud',
  version: 3,
  variant: 'champion',
  routing_key_hash: null,
  at: Date.UTC(2026, 11, 5, 6, 29, 19, 7),
  latency_us: 350,
  status: 200,
  error: null,
  inputs: { 'x[0]': 0.5 },
  output: { value: 1.25 },
  payload: null,
  ...overrides,
});

const notShadow = () => false;

describe('predictionCopyRows', () => {
  it('writes one tab-separated line per event, in the columns order, with \\N for null', () => {
    expect(predictionCopyRows([event()], notShadow)).toBe(
      'req-1\tfraud\t3\tchampion\t\\N\t2026-12-05T06:29:19.007Z\t350\t200\t\\N\t{"x[0]":0.5}\t{"value":1.25}\t\\N\tf\n',
    );
  });

  it('marks a shadow answer, and keeps an error code and routing key hash', () => {
    const line = predictionCopyRows([event({ variant: 'shadow', status: 503, error: 'MODEL_NOT_READY', routing_key_hash: 'ab12', output: null })], (e) => e.variant === 'shadow');
    expect(line.split('\t')).toEqual(['req-1', 'fraud', '3', 'shadow', 'ab12', '2026-12-05T06:29:19.007Z', '350', '503', 'MODEL_NOT_READY', '{"x[0]":0.5}', '\\N', '\\N', 't\n']);
  });

  it('escapes backslashes in ids and in JSON strings, so COPY reads them back as sent', () => {
    const line = predictionCopyRows([event({ request_id: 'a\\b', payload: { request: 'say "hi"\\n', response: null } })], notShadow);
    const [requestId, , , , , , , , , , , payload] = line.slice(0, -1).split('\t');
    expect(requestId).toBe('a\\\\b');
    // JSON.stringify wrote `"say \"hi\"\\n"`; each of its backslashes is doubled for COPY.
    expect(payload).toBe(copyText(JSON.stringify({ request: 'say "hi"\\n', response: null })));
    expect(payload).toBe('{"request":"say \\\\"hi\\\\"\\\\\\\\n","response":null}');
  });

  it('replaces NUL characters in JSON as jsonb needs, caps the latency at int4 and drops fractions', () => {
    const [line] = predictionCopyRows([event({ latency_us: 1e12, version: 2, inputs: { 'a\u0000': 1.5 } })], notShadow).split('\n');
    const columns = line.split('\t');
    expect(columns[6]).toBe('2147483647');
    expect(columns[9]).toBe('{"a\uFFFD":1.5}');
    expect(predictionCopyRows([event({ latency_us: 12.7 })], notShadow).split('\t')[6]).toBe('12');
  });

  it('writes the lines of several events one after the other, each ended by a newline', () => {
    const events = [event(), event({ request_id: 'req-2', variant: 'challenger', at: Date.UTC(2026, 11, 5, 6, 29, 21, 0) }), event({ request_id: 'req\t3' })];
    const text = predictionCopyRows(events, notShadow);
    expect(text).toBe(events.map((one) => predictionCopyRows([one], notShadow)).join(''));
    expect(text.split('\n')).toHaveLength(4);
    expect(text.endsWith('\tf\n')).toBe(true);
  });

  it('writes nothing for no events', () => {
    expect(predictionCopyRows([], notShadow)).toBe('');
  });
});

describe('copyText', () => {
  it('escapes the characters COPY gives a meaning to, and leaves the rest', () => {
    expect(copyText('plain, "quoted" {braces} é🙂')).toBe('plain, "quoted" {braces} é🙂');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText('\\N')).toBe('\\\\N');
    for (const [special, escaped] of [['\\', '\\\\'], ['\t', '\\t'], ['\n', '\\n'], ['\r', '\\r']]) {
      expect(copyText(special)).toBe(escaped);
      expect(copyText(`${special}x${special}`)).toBe(`${escaped}x${escaped}`);
    }
    expect(copyText('')).toBe('');
  });
});

describe('CopyTimestamps', () => {
  it('writes what Date#toISOString writes, for times in the same second and across seconds', () => {
    const times = new CopyTimestamps();
    const base = Date.UTC(2026, 11, 31, 23, 59, 58, 0);
    const offsets = [0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 1_999, 2_000, 2_500, 500, 86_400_000 + 42];
    for (const offset of offsets) expect(times.of(base + offset)).toBe(new Date(base + offset).toISOString());
    for (const ms of [946_684_800_000, 253_402_300_799_999, 1_733_380_159_123]) expect(times.of(ms)).toBe(new Date(ms).toISOString());
  });
});
