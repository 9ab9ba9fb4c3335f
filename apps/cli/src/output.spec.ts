import { formatBytes, formatDeployment, formatDuration, formatProgressBar, formatVersion, formatWaitLine, StatusLine } from './output';

describe('formatting', () => {
  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB');
    expect(formatDuration(4_900)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });

  it('draws a progress bar', () => {
    expect(formatProgressBar(0, 100, 10)).toBe('[----------]   0% 0 B/100 B');
    expect(formatProgressBar(50, 100, 10)).toBe('[#####-----]  50% 50 B/100 B');
    expect(formatProgressBar(100, 100, 10)).toBe('[##########] 100% 100 B/100 B');
    expect(formatProgressBar(0, 0, 4)).toBe('[####] 100% 0 B/0 B');
  });

  it('draws a spinner line', () => {
    expect(formatWaitLine(0, 'validating m v1', 3_000)).toBe('| validating m v1 3s');
    expect(formatWaitLine(5, 'x', 0)).toBe('/ x 0s');
  });

  it('lists the warnings of a version validation could not fully check', () => {
    const signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [] };
    const warned = { version: 3, status: 'ready', signature, validation: { warnings: ['no synthetic input ran', 'upload with metadata.input_example'] } };
    expect(formatVersion('m', warned)).toMatch(/\n {2}warnings:\n {4}- no synthetic input ran\n {4}- upload with metadata\.input_example$/);
    expect(formatVersion('m', { ...warned, validation: { warnings: [] } })).not.toContain('warnings');
  });

  it('describes a deployment', () => {
    const text = formatDeployment('m', { champion: { version: 1 }, challenger: { version: 2 }, challenger_percent: 10, revision: 4 });
    expect(text).toContain('revision 4');
    expect(text).toContain('champion:   v1');
    expect(text).toContain('challenger: v2 (10% of traffic)');
  });
});

describe('StatusLine', () => {
  function stream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, isTTY, columns: 40, write: (chunk: string) => writes.push(chunk) > 0 };
  }

  it('writes nothing when the stream is not a terminal', () => {
    const s = stream(false);
    const line = StatusLine.for(s, false);
    line.update('hello', true);
    line.done();
    expect(s.writes).toEqual([]);
  });

  it('writes nothing for machine output even on a terminal', () => {
    const s = stream(true);
    StatusLine.for(s, true).update('hello', true);
    expect(s.writes).toEqual([]);
  });

  it('redraws in place on a terminal and clears when done', () => {
    const s = stream(true);
    const line = StatusLine.for(s, false);
    line.update('one');
    line.update('two'); // throttled
    line.update('three', true);
    line.done();
    expect(s.writes).toHaveLength(3);
    expect(s.writes[0].startsWith('\rone')).toBe(true);
    expect(s.writes[1].startsWith('\rthree')).toBe(true);
    expect(s.writes[2].endsWith('\r')).toBe(true);
  });
});
