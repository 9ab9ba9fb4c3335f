import { DEFAULT_REGISTRY, type Invocation, parseCommandLine, parseKeyValues, parseMetrics, parsePercent, parseVersion, uploadMetadata } from './args';
import { UsageError } from './errors';

function invocation(argv: string[], env: Record<string, string> = {}): Invocation {
  const parsed = parseCommandLine(argv, env);
  if ('help' in parsed) throw new Error('expected a command');
  return parsed;
}

describe('parseCommandLine', () => {
  it('reads a grouped command, its positionals and repeated flags', () => {
    const inv = invocation(['models', 'create', 'fraud', '--description', 'scores', '--tag', 'team=risk', '--tag', 'q=a=b']);
    expect(inv.command).toBe('models create');
    expect(inv.args).toEqual({ name: 'fraud' });
    expect(inv.options.description).toBe('scores');
    expect(inv.options.tags).toEqual({ team: 'risk', q: 'a=b' });
    expect(inv.global).toEqual({ registry: DEFAULT_REGISTRY, key: undefined, actor: undefined, json: false });
  });

  it('takes the registry and key from the environment, flags winning', () => {
    const env = { SWITCHYARD_REGISTRY_URL: 'http://reg:3000/', SWITCHYARD_API_KEY: 'k1' };
    expect(invocation(['deployment', 'm'], env).global).toMatchObject({ registry: 'http://reg:3000', key: 'k1' });
    expect(invocation(['deployment', 'm', '--registry', 'https://x', '--key', 'k2', '--actor', 'ci', '--json'], env).global).toEqual({
      registry: 'https://x',
      key: 'k2',
      actor: 'ci',
      json: true,
    });
  });

  it('parses upload options', () => {
    const inv = invocation(['versions', 'upload', 'm', 'model.onnx', '--metrics', 'rmse=0.31', '--wait', '--timeout', '5']);
    expect(inv.args).toEqual({ name: 'm', file: 'model.onnx' });
    expect(inv.options).toMatchObject({ metrics: { rmse: 0.31 }, wait: true, timeoutSeconds: 5 });
  });

  it('returns help for --help', () => {
    expect(parseCommandLine(['--help'])).toEqual({ help: true });
    expect(parseCommandLine(['models', 'list', '-h'])).toEqual({ help: true });
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['models']],
    [['models', 'delete', 'x']],
    [['promote']],
    [['promote', 'a', 'b']],
    [['traffic', 'm', '120']],
    [['alias', 'set', 'm', 'champion', 'one']],
    [['deployment', 'm', '--unknown']],
    [['deployment', 'm', '--registry', 'ftp://x']],
    [['versions', 'upload', 'm', 'f', '--timeout', '-1']],
    [['versions', 'upload', 'm', 'f', '--metadata', '{nope']],
  ])('rejects %j as a usage error', (argv) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
  });
});

describe('value parsers', () => {
  it('parses key=value pairs and metrics', () => {
    expect(parseKeyValues('--tag', ['a=1', 'b='])).toEqual({ a: '1', b: '' });
    expect(() => parseKeyValues('--tag', ['=1'])).toThrow('--tag expects key=value');
    expect(parseMetrics(['rmse=0.31', 'auc=1e-1'])).toEqual({ rmse: 0.31, auc: 0.1 });
    expect(() => parseMetrics(['rmse=high'])).toThrow('must be a number');
    expect(() => parseMetrics(['rmse='])).toThrow('must be a number');
  });

  it('parses percents and versions', () => {
    expect(parsePercent('12.5')).toBe(12.5);
    expect(parsePercent('10%')).toBe(10);
    expect(() => parsePercent('-1')).toThrow(UsageError);
    expect(parseVersion('3')).toBe(3);
    expect(parseVersion('v3')).toBe(3);
    expect(() => parseVersion('0')).toThrow(UsageError);
  });

  it('merges upload metadata flags into --metadata', () => {
    const inv = invocation(['versions', 'upload', 'm', 'f', '--metadata', '{"metrics":{"auc":0.9},"source":"git:1"}', '--metrics', 'rmse=0.3', '--description', 'd']);
    expect(uploadMetadata(inv.options)).toEqual({ metrics: { auc: 0.9, rmse: 0.3 }, source: 'git:1', description: 'd' });
    expect(uploadMetadata(invocation(['versions', 'upload', 'm', 'f']).options)).toBeUndefined();
  });

  it('keeps the --input-example path and merges the parsed example into the metadata', () => {
    const inv = invocation(['versions', 'upload', 'm', 'f', '--input-example', 'example.json', '--description', 'd']);
    expect(inv.options.inputExample).toBe('example.json');
    const example = { inputs: { x: [[1, 2]] } };
    expect(uploadMetadata(inv.options, example)).toEqual({ description: 'd', input_example: example });
  });
});
