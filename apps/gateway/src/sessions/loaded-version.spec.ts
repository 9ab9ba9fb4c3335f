import { LoadedVersion } from './loaded-version';
import type { VersionRunner } from './version-runner';

function fakeSession(): { session: VersionRunner; released: () => number } {
  let releases = 0;
  const session: VersionRunner = { offloaded: false, run: async () => ({}), release: async () => void (releases += 1) };
  return { session, released: () => releases };
}

const signature = { inputs: [], outputs: [] };

describe('LoadedVersion', () => {
  it('releases a retired session only after its last lease returns', () => {
    const { session, released } = fakeSession();
    const version = new LoadedVersion('m', 1, 'a'.repeat(64), session, signature);
    const first = version.lease();
    const second = version.lease();
    version.retire();
    expect(released()).toBe(0);
    first();
    expect(released()).toBe(0);
    second();
    expect(released()).toBe(1);
    expect(version.isReleased).toBe(true);
  });

  it('releases at once when retired with nothing in flight, and only once', () => {
    const { session, released } = fakeSession();
    const version = new LoadedVersion('m', 1, 'a'.repeat(64), session, signature);
    const lease = version.lease();
    lease();
    lease();
    version.retire();
    version.retire();
    expect(released()).toBe(1);
  });

  it('refuses new leases after release', () => {
    const { session } = fakeSession();
    const version = new LoadedVersion('m', 1, 'a'.repeat(64), session, signature);
    version.retire();
    expect(() => version.lease()).toThrow('released');
  });

  it('keeps serving leases of a version that is not retired', () => {
    const { session, released } = fakeSession();
    const version = new LoadedVersion('m', 1, 'a'.repeat(64), session, signature);
    for (let i = 0; i < 100; i++) version.lease()();
    expect(released()).toBe(0);
  });
});
