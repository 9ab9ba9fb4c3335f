import type { ApiKeyRecord } from './api-key';
import { type KeyState, withKeyStates } from './key-mirror';

const record = (id: string, changes: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  name: id,
  salt: '00'.repeat(16),
  hash: '00'.repeat(32),
  roles: ['predict'],
  models: null,
  revoked: false,
  rateLimitPerSecond: null,
  burst: null,
  ...changes,
});
const state = (id: string, changes: Partial<KeyState> = {}): KeyState => ({ id, revoked: false, rate_limit_per_second: null, burst: null, ...changes });

describe('withKeyStates', () => {
  it('revokes a key revoked on either side, whichever was read last', () => {
    const records = new Map([['a', record('a')], ['b', record('b', { revoked: true })]]);
    for (const statesAreNewer of [true, false]) {
      const merged = withKeyStates(records, [state('a', { revoked: true }), state('b')], statesAreNewer);
      expect([merged.get('a')!.revoked, merged.get('b')!.revoked]).toEqual([true, true]);
    }
  });

  it('takes the limits from the source read last', () => {
    const records = new Map([['a', record('a', { rateLimitPerSecond: 1, burst: 2 })]]);
    const states = [state('a', { rate_limit_per_second: 50, burst: 100 })];
    expect(withKeyStates(records, states, true).get('a')).toMatchObject({ rateLimitPerSecond: 50, burst: 100 });
    expect(withKeyStates(records, states, false).get('a')).toMatchObject({ rateLimitPerSecond: 1, burst: 2 });
  });

  it('leaves keys the states do not know as mirrored, and ignores states of unknown keys', () => {
    const records = new Map([['a', record('a')]]);
    const merged = withKeyStates(records, [state('z', { revoked: true })], true);
    expect([...merged.keys()]).toEqual(['a']);
    expect(merged.get('a')).toEqual(records.get('a'));
  });
});
