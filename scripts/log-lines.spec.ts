import { formatLogLine } from './log-lines';

describe('human log lines', () => {
  const time = new Date(2026, 2, 4, 9, 5, 7, 42).getTime();
  const at = '09:05:07.042';

  it("turns an app's message into time, level, app, context, message and its fields", () => {
    const line = JSON.stringify({ level: 30, time, pid: 7, hostname: 'h', app: 'gateway', context: 'ModelSessions', model: 'iris', revision: 3, challenger: null, msg: 'serving deployment' });
    expect(formatLogLine(line, false)).toBe(`${at} INFO  gateway   [ModelSessions] serving deployment model=iris revision=3 challenger=null`);
  });

  it('shortens a request line to method, url, status and time, and quotes values with spaces', () => {
    const line = JSON.stringify({
      level: 40,
      time,
      app: 'registry',
      req: { id: 'r1', method: 'PUT', url: '/v1/models/m/traffic', headers: { accept: '*/*' } },
      res: { statusCode: 412 },
      responseTime: 4,
      reason: 'stale revision',
      msg: 'request completed',
    });
    expect(formatLogLine(line, false)).toBe(`${at} WARN  registry  PUT /v1/models/m/traffic → 412 (4 ms) reason="stale revision"`);
  });

  it("prints an error's stack under its line, and colours the level on a terminal", () => {
    const line = JSON.stringify({ level: 50, time, app: 'worker', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x.js:1' }, msg: 'job failed' });
    expect(formatLogLine(line, false)).toBe(`${at} ERROR worker    job failed\n    Error: boom\n        at x.js:1`);
    expect(formatLogLine(line, true)).toContain('\u001b[31mERROR\u001b[0m');
  });

  it('passes lines that are not log objects through unchanged', () => {
    for (const line of ['admin API key: in data/bootstrap-admin-key', '{"not": "a log"}', '[1,2]', 'null', '{broken']) expect(formatLogLine(line, false)).toBe(line);
  });
});
