import { DEFAULT_REGISTRY, parseJsonObject, parseKeyValue, parseMetric, parsePercent, parseVersion, resolveGlobals, uploadMetadata } from './args';
import { type Commands, main } from './cli';
import * as commands from './commands';
import { UsageError } from './errors';

interface Call {
  command: string;
  args: unknown[];
}

/** Parses argv with the real program; the commands only record how they were called (no registry, no process exit). */
async function parse(argv: string[], env: Record<string, string> = {}) {
  const calls: Call[] = [];
  const run = Object.fromEntries(
    Object.keys(commands).map((command) => [
      command,
      (...args: unknown[]) => {
        calls.push({ command, args });
        return Promise.resolve(0);
      },
    ]),
  ) as unknown as Commands;
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => Boolean((stdout += text)) },
    stderr: { write: (text: string) => Boolean((stderr += text)) },
  };
  const code = await main(argv, env, io, run);
  return { code, stdout, stderr, calls };
}

/** The one command argv ran: its name, the global options, and its arguments and options. */
async function call(argv: string[], env: Record<string, string> = {}) {
  const { code, stderr, calls } = await parse(argv, env);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(calls).toHaveLength(1);
  const [{ command, args }] = calls;
  const [ctx, ...rest] = args as [{ global: unknown }, ...unknown[]];
  return { command, global: ctx.global, args: rest };
}

describe('the command line', () => {
  it('reads a grouped command, its positionals and repeated flags', async () => {
    const parsed = await call(['models', 'create', 'fraud', '--description', 'scores', '--tag', 'team=risk', '--tag', 'q=a=b']);
    expect(parsed.command).toBe('createModel');
    expect(parsed.args).toEqual(['fraud', { description: 'scores', tag: { team: 'risk', q: 'a=b' } }]);
    expect(parsed.global).toEqual({ registry: DEFAULT_REGISTRY, key: undefined, actor: undefined, json: false });
  });

  it('takes the registry, key and actor from the environment, flags winning, before or after the command', async () => {
    const env = { SWITCHYARD_REGISTRY_URL: 'http://reg:3000/', SWITCHYARD_API_KEY: 'k1', SWITCHYARD_ACTOR: 'env-actor' };
    expect((await call(['deployment', 'm'], env)).global).toEqual({ registry: 'http://reg:3000', key: 'k1', actor: 'env-actor', json: false });
    const flags = { registry: 'https://x', key: 'k2', actor: 'ci', json: true };
    expect((await call(['deployment', 'm', '--registry', 'https://x', '--key', 'k2', '--actor', 'ci', '--json'], env)).global).toEqual(flags);
    expect((await call(['--json', '--api-key', 'k2', '--registry', 'https://x', '--actor', 'ci', 'deployment', 'm'], env)).global).toEqual(flags);
    expect((await call(['deployment', 'm'], { SWITCHYARD_API_KEY: '' })).global).toMatchObject({ key: undefined });
  });

  it('parses upload options, with the --timeout default', async () => {
    const parsed = await call(['versions', 'upload', 'm', 'model.onnx', '--metrics', 'rmse=0.31', '--metrics', 'auc=0.9', '--input-example', 'example.json', '--wait', '--timeout', '5']);
    expect(parsed.command).toBe('uploadVersion');
    expect(parsed.args).toEqual(['m', 'model.onnx', { metrics: { rmse: 0.31, auc: 0.9 }, inputExample: 'example.json', wait: true, timeout: 5 }]);
    expect((await call(['versions', 'upload', 'm', 'model.onnx'])).args).toEqual(['m', 'model.onnx', { timeout: 120 }]);
  });

  it('hands over versions, percents and limits as numbers', async () => {
    expect(await call(['alias', 'set', 'm', 'champion', 'v3', '--force'])).toMatchObject({ command: 'setAlias', args: ['m', 'champion', 3, { force: true }] });
    expect(await call(['versions', 'get', 'm', '2'])).toMatchObject({ command: 'getVersion', args: ['m', 2, {}] });
    expect(await call(['traffic', 'm', '12.5%'])).toMatchObject({ command: 'setTraffic', args: ['m', 12.5, {}] });
    expect(await call(['models', 'list', '--limit', '10'])).toMatchObject({ command: 'listModels', args: [{ limit: 10 }] });
    expect(await call(['promote', 'm', '--reason', 'better'])).toMatchObject({ command: 'promote', args: ['m', { reason: 'better' }] });
  });

  it('parses the plan commands: steps with shadow: prefixes, minimums as whole numbers, the end from two choices', async () => {
    const parsed = await call(['plan', 'set', 'm', '--steps', 'shadow:100, 1,5%,25', '--min-duration', '600', '--min-requests', '0', '--end', 'promote', '--alpha', '0.01']);
    expect(parsed).toMatchObject({
      command: 'setPlan',
      args: ['m', { steps: [{ shadow_percent: 100 }, { challenger_percent: 1 }, { challenger_percent: 5 }, { challenger_percent: 25 }], minDuration: 600, minRequests: 0, end: 'promote', alpha: 0.01 }],
    });
    expect(await call(['plan', 'set', 'm', '--file', 'plan.json'])).toMatchObject({ args: ['m', { file: 'plan.json' }] });
    expect(await call(['plan', 'pause', 'm', '--reason', 'weekend'])).toMatchObject({ command: 'pausePlan', args: ['m', { reason: 'weekend' }] });
    for (const [command, name] of [['show', 'showPlan'], ['resume', 'resumePlan'], ['cancel', 'cancelPlan']]) {
      expect((await call(['plan', command, 'm'])).command).toBe(name);
    }
    for (const argv of [['--steps', '1,,5'], ['--steps', '101'], ['--steps', 'shadow:x'], ['--min-duration', '-5'], ['--min-requests', '1.5'], ['--end', 'celebrate']]) {
      const { code, stderr, calls } = await parse(['plan', 'set', 'm', ...argv]);
      expect({ code, calls }).toEqual({ code: 2, calls: [] });
      expect(stderr).toContain(argv[0]);
    }
  });

  it('parses the shadow commands, with --percent 100 by default', async () => {
    expect(await call(['shadow', 'set', 'm', 'v4'])).toMatchObject({ command: 'setShadow', args: ['m', 4, { percent: 100 }] });
    expect(await call(['shadow', 'set', 'm', '4', '--percent', '12.5%'])).toMatchObject({ command: 'setShadow', args: ['m', 4, { percent: 12.5 }] });
    expect(await call(['shadow', 'show', 'm', '--from', '2026-11-24T08:00:00Z'])).toMatchObject({ command: 'showShadow', args: ['m', { from: '2026-11-24T08:00:00Z' }] });
    expect(await call(['shadow', 'clear', 'm'])).toMatchObject({ command: 'clearShadow', args: ['m', {}] });
    const bad = await parse(['shadow', 'set', 'm', '4', '--percent', '140']);
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
  });

  it('reads the search, tag, review, keys and webhooks commands', async () => {
    expect(
      await call(['versions', 'search', 'm', '--status', 'ready', '--tag', 'team=risk', '--where', 'rmse<0.3', '--where', 'auc>=0.8', '--order-by', 'metric.rmse', '--asc', '--limit', '5']),
    ).toMatchObject({
      command: 'searchVersions',
      args: ['m', { status: 'ready', tag: { team: 'risk' }, where: { 'metric.rmse_lt': '0.3', 'metric.auc_gte': '0.8' }, orderBy: 'metric.rmse', asc: true, limit: 5 }],
    });
    expect(await call(['versions', 'tag', 'm', 'v2', 'team=risk', 'stage=prod', '--remove', 'old'])).toMatchObject({
      command: 'tagVersion',
      args: ['m', 2, ['team=risk', 'stage=prod'], { remove: ['old'] }],
    });
    expect(await call(['versions', 'approve', 'm', '3', '--reason', 'ok'])).toMatchObject({ command: 'approveVersion', args: ['m', 3, { reason: 'ok' }] });
    expect(await call(['versions', 'reject', 'm', '3', '--reason', 'worse'])).toMatchObject({ command: 'rejectVersion', args: ['m', 3, { reason: 'worse' }] });
    expect(await call(['keys', 'create', 'ci', '--role', 'publisher', '--role', 'approver', '--model', 'm'])).toMatchObject({
      command: 'createKey',
      args: ['ci', { role: ['publisher', 'approver'], model: ['m'] }],
    });
    expect(await call(['keys', 'revoke', 'abc'])).toMatchObject({ command: 'revokeKey', args: ['abc', {}] });
    expect(await call(['webhooks', 'create', 'https://h/x', '--event', 'version.ready', '--event', 'deployment.changed', '--model', 'm'])).toMatchObject({
      command: 'createWebhook',
      args: ['https://h/x', { event: ['version.ready', 'deployment.changed'], model: 'm' }],
    });
    expect(await call(['webhooks', 'deliveries', 'id1', '--limit', '3'])).toMatchObject({ command: 'webhookDeliveries', args: ['id1', { limit: 3 }] });
  });

  it('refuses a malformed metric bound and a reject without a reason, exit 2', async () => {
    for (const argv of [['versions', 'search', 'm', '--where', 'rmse~0.3'], ['versions', 'search', 'm', '--where', 'rmse<low'], ['versions', 'reject', 'm', '3'], ['keys', 'create', 'ci']]) {
      const result = await parse(argv);
      expect(result).toMatchObject({ code: 2, calls: [] });
      expect(result.stderr).toMatch(/^switchyard: .*; see "switchyard (versions|keys) \w+ --help"\n$/);
    }
  });

  it('returns the exit code of the command', async () => {
    const run = { ...commands, showDeployment: () => Promise.resolve(1) };
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    expect(await main(['deployment', 'm'], {}, io, run)).toBe(1);
  });

  it('prints the help on stdout for --help, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const result = await parse(argv);
      expect(result).toMatchObject({ code: 0, stderr: '', calls: [] });
      expect(result.stdout).toMatch(/^Usage: switchyard <command> \[arguments\] \[options\]/);
      expect(result.stdout).toContain('traffic <name> <percent>');
      expect(result.stdout).toContain('--key, --api-key <key>');
      expect(result.stdout).toContain('Exit codes: 0 ok');
    }
    const upload = await parse(['versions', 'upload', '--help']);
    expect(upload.code).toBe(0);
    expect(upload.stdout).toMatch(/^Usage: switchyard versions upload \[options\] <name> <file>/);
    expect(upload.stdout).toContain('--input-example <example.json>');
    expect(upload.stdout).toContain('--timeout <seconds>');
    expect(upload.stdout).toContain('Global Options:');
  });

  it('shows the help on stderr, exit 2, when the command is missing', async () => {
    for (const argv of [[], ['models']]) {
      const result = await parse(argv);
      expect(result).toMatchObject({ code: 2, stdout: '', calls: [] });
      expect(result.stderr).toMatch(/^Usage: switchyard/);
    }
  });

  it.each([
    [['frobnicate'], `unknown command 'frobnicate'; see "switchyard --help"`],
    [['models', 'delete', 'x'], `unknown command 'delete'; see "switchyard models --help"`],
    [['promote'], `missing required argument 'name'; see "switchyard promote --help"`],
    [['versions', 'upload', 'm'], `missing required argument 'file'; see "switchyard versions upload --help"`],
    [['promote', 'a', 'b'], 'too many arguments for \'promote\'. Expected 1 argument but got 2; see "switchyard promote --help"'],
    [['traffic', 'm', '120'], `value '120' is invalid for argument 'percent'. Expected a number from 0 to 100; see "switchyard traffic --help"`],
    [['alias', 'set', 'm', 'champion', 'one'], `value 'one' is invalid for argument 'version'`],
    [['deployment', 'm', '--unknown'], `unknown option '--unknown'; see "switchyard deployment --help"`],
    [['deployment', 'm', '--reason', 'r'], `unknown option '--reason'`],
    [['deployment', 'm', '--registry', 'ftp://x'], `option '--registry <url>' argument 'ftp://x' is invalid. Expected an http(s) URL`],
    [['versions', 'upload', 'm', 'f', '--timeout', '-1'], `option '--timeout <seconds>' argument '-1' is invalid`],
    [['versions', 'upload', 'm', 'f', '--metadata', '{nope'], `option '--metadata <json>' argument '{nope' is invalid. Not valid JSON`],
    [['versions', 'upload', 'm', 'f', '--metrics', 'rmse=high'], 'rmse is not a number'],
    [['models', 'create', 'm', '--tag', 'team'], 'Expected key=value'],
  ])('rejects %j with one line and exit 2', async (argv, message) => {
    const result = await parse(argv);
    expect(result).toMatchObject({ code: 2, stdout: '', calls: [] });
    expect(result.stderr).toMatch(/^switchyard: [^\n]+\n$/);
    expect(result.stderr).toContain(message);
  });

  it('rejects a registry URL from the environment that is not http(s), exit 2', async () => {
    const result = await parse(['deployment', 'm'], { SWITCHYARD_REGISTRY_URL: 'ftp://x' });
    expect(result).toMatchObject({ code: 2, calls: [] });
    expect(result.stderr).toBe('switchyard: SWITCHYARD_REGISTRY_URL "ftp://x" is not an http(s) URL; see "switchyard --help"\n');
  });
});

describe('value parsers', () => {
  it('adds key=value pairs and metrics to the ones before', () => {
    expect(parseKeyValue('b=', parseKeyValue('a=1'))).toEqual({ a: '1', b: '' });
    expect(parseKeyValue('q=a=b')).toEqual({ q: 'a=b' });
    expect(() => parseKeyValue('=1')).toThrow('Expected key=value');
    expect(parseMetric('auc=1e-1', parseMetric('rmse=0.31'))).toEqual({ rmse: 0.31, auc: 0.1 });
    expect(() => parseMetric('rmse=high')).toThrow('rmse is not a number');
    expect(() => parseMetric('rmse=')).toThrow('rmse is not a number');
  });

  it('parses percents, versions and JSON objects', () => {
    expect(parsePercent('12.5')).toBe(12.5);
    expect(parsePercent('10%')).toBe(10);
    expect(() => parsePercent('-1')).toThrow('from 0 to 100');
    expect(() => parsePercent('')).toThrow('from 0 to 100');
    expect(parseVersion('3')).toBe(3);
    expect(parseVersion('v3')).toBe(3);
    expect(() => parseVersion('0')).toThrow('positive integer');
    expect(parseJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(() => parseJsonObject('[1]')).toThrow('Expected a JSON object');
  });

  it('resolves the global options: flags, then the environment, then the default', () => {
    expect(resolveGlobals({}, {})).toEqual({ registry: DEFAULT_REGISTRY, key: undefined, actor: undefined, json: false });
    expect(resolveGlobals({ registry: 'https://r//' }, { SWITCHYARD_REGISTRY_URL: 'ftp://ignored' }).registry).toBe('https://r');
    expect(() => resolveGlobals({}, { SWITCHYARD_REGISTRY_URL: 'not a url' })).toThrow(UsageError);
  });

  it('merges upload metadata flags into --metadata', () => {
    const options = { metadata: { metrics: { auc: 0.9 }, source: 'git:1' }, metrics: { rmse: 0.3 }, description: 'd', timeout: 120 };
    expect(uploadMetadata(options)).toEqual({ metrics: { auc: 0.9, rmse: 0.3 }, source: 'git:1', description: 'd' });
    expect(uploadMetadata({ timeout: 120 })).toBeUndefined();
  });

  it('merges the parsed --input-example into the metadata', () => {
    const example = { inputs: { x: [[1, 2]] } };
    expect(uploadMetadata({ description: 'd', timeout: 120 }, example)).toEqual({ description: 'd', input_example: example });
  });
});
