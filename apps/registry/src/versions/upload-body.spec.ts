import type { IncomingMessage } from 'node:http';
import { DomainError } from '@switchyard/errors';
import { asUploadError, untilAborted, watchForStalledBody } from './upload-body';

describe('asUploadError', () => {
  it.each(['Unexpected end of multipart data', 'Part terminated early due to unexpected end of multipart data'])(
    'reads busboy\'s "%s" as an incomplete upload (400)',
    (message) => {
      const mapped = asUploadError(new Error(message));
      expect(mapped).toBeInstanceOf(DomainError);
      expect(mapped).toMatchObject({ code: 'UPLOAD_INCOMPLETE', detail: expect.stringContaining('closing boundary') });
    },
  );

  it('leaves any other error as it is', () => {
    const domain = new DomainError('ARTIFACT_TOO_LARGE', 'too large');
    const other = new Error('connect ECONNREFUSED');
    expect(asUploadError(domain)).toBe(domain);
    expect(asUploadError(other)).toBe(other);
    expect(asUploadError('text')).toBe('text');
  });
});

describe('untilAborted', () => {
  it('settles as the work does while the signal is quiet', async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error('failed')), signal)).rejects.toThrow('failed');
  });

  it('rejects with the reason as soon as the signal is raised, or at once when it already was', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => undefined);
    const waiting = untilAborted(never, controller.signal);
    controller.abort(new Error('stalled'));
    await expect(waiting).rejects.toThrow('stalled');
    await expect(untilAborted(Promise.reject(new Error('late')), controller.signal)).rejects.toThrow('stalled');
  });
});

describe('watchForStalledBody', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** The parts of an IncomingMessage the watch reads. */
  function request() {
    return { socket: { bytesRead: 0 }, complete: false, destroyed: false, readableLength: 0, paused: false, isPaused() { return this.paused; } };
  }
  const watch = (fake: ReturnType<typeof request>, idleMs: number) => watchForStalledBody(fake as unknown as IncomingMessage, idleMs);

  it('raises the signal once the client has sent nothing for the idle time', () => {
    const fake = request();
    const { stalled, stop } = watch(fake, 1000);
    jest.advanceTimersByTime(900);
    expect(stalled.aborted).toBe(false);
    jest.advanceTimersByTime(400);
    expect(stalled.aborted).toBe(true);
    expect(stalled.reason).toMatchObject({ code: 'UPLOAD_INCOMPLETE', detail: expect.stringContaining('UPLOAD_IDLE_TIMEOUT_MS') });
    stop();
  });

  it('restarts the clock on every byte from the client', () => {
    const fake = request();
    const { stalled, stop } = watch(fake, 1000);
    for (let i = 0; i < 20; i++) {
      fake.socket.bytesRead += 100;
      jest.advanceTimersByTime(500);
    }
    expect(stalled.aborted).toBe(false);
    stop();
  });

  it('does not count the time the server holds unread bytes or keeps the body paused', () => {
    const fake = request();
    const { stalled, stop } = watch(fake, 1000);
    fake.readableLength = 16_384;
    jest.advanceTimersByTime(5000);
    fake.readableLength = 0;
    fake.paused = true;
    jest.advanceTimersByTime(5000);
    expect(stalled.aborted).toBe(false);
    fake.paused = false;
    jest.advanceTimersByTime(1500);
    expect(stalled.aborted).toBe(true);
    stop();
  });

  it('stops watching once the body is complete', () => {
    const fake = request();
    const { stalled } = watch(fake, 1000);
    fake.complete = true;
    jest.advanceTimersByTime(10_000);
    expect(stalled.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });
});
