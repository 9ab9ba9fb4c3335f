/**
 * Human lines for `npm start` on a terminal. The apps log one JSON object per line (pino), which is what
 * log collectors want and what `npm start` prints when its output is a file or a pipe; on a terminal
 * each line becomes `time level app [context] message key=value…`, with the request fields pino-http
 * adds shortened to `METHOD url → status (ms)`.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<string, string> = { TRACE: '90', DEBUG: '90', INFO: '32', WARN: '33', ERROR: '31', FATAL: '35' };

/** Fields shown in the line's head or dropped as noise (pino's own bookkeeping). */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'app', 'context', 'msg', 'req', 'res', 'responseTime', 'err']);

type LogObject = Record<string, unknown>;

const paint = (colour: boolean, code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);

function clock(time: unknown): string {
  const date = typeof time === 'number' ? new Date(time) : new Date();
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function value(field: unknown): string {
  if (typeof field === 'string') return /[\s"=]/.test(field) || field === '' ? JSON.stringify(field) : field;
  return JSON.stringify(field) ?? String(field);
}

/** One line of an app's output, formatted; a line that is not a JSON log object is returned as it is. */
export function formatLogLine(line: string, colour: boolean): string {
  let entry: LogObject;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as LogObject).level !== 'number') return line;
    entry = parsed as LogObject;
  } catch {
    return line;
  }
  const level = LEVELS[entry.level as number] ?? `L${String(entry.level)}`;
  const parts = [paint(colour, '90', clock(entry.time)), paint(colour, COLOURS[level] ?? '0', level.padEnd(5)), String(entry.app ?? '').padEnd(9)];
  if (typeof entry.context === 'string') parts.push(paint(colour, '36', `[${entry.context}]`));
  const req = entry.req as { method?: string; url?: string } | undefined;
  const res = entry.res as { statusCode?: number } | undefined;
  if (req?.method && req.url) {
    const took = typeof entry.responseTime === 'number' ? ` (${entry.responseTime} ms)` : '';
    parts.push(`${req.method} ${req.url}${res?.statusCode !== undefined ? ` → ${res.statusCode}` : ''}${took}`);
    if (typeof entry.msg === 'string' && entry.msg !== 'request completed') parts.push(entry.msg);
  } else if (entry.msg !== undefined) {
    parts.push(String(entry.msg));
  }
  for (const [key, field] of Object.entries(entry)) if (!SHOWN.has(key) && field !== undefined) parts.push(`${paint(colour, '90', `${key}=`)}${value(field)}`);
  const err = entry.err as { type?: string; message?: string; stack?: string } | undefined;
  const stack = err ? `\n${err.stack ?? `${err.type ?? 'Error'}: ${err.message ?? ''}`}`.replace(/\n/g, '\n    ') : '';
  return parts.join(' ') + stack;
}
