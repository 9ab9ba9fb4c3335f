import { checkWebhookUrl, isRefusedAddress } from './address-policy';

describe('webhook address policy', () => {
  it.each(['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])(
    'refuses %s',
    (address) => expect(isRefusedAddress(address)).toBe(true),
  );

  it.each(['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => expect(isRefusedAddress(address)).toBe(false));

  const resolver = (addresses: Record<string, string[]>) => async (host: string) => {
    if (!(host in addresses)) throw new Error('ENOTFOUND');
    return addresses[host];
  };

  it('accepts a public http(s) URL and refuses other schemes and credentials', async () => {
    const resolve = resolver({ 'hooks.example.com': ['93.184.216.34'] });
    expect(await checkWebhookUrl('https://hooks.example.com/x', false, resolve)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('ftp://hooks.example.com/x', false, resolve)).toEqual({ ok: false, problem: 'must be an http or https URL' });
    expect(await checkWebhookUrl('javascript:alert(1)', false, resolve)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('not a url', false, resolve)).toEqual({ ok: false, problem: 'is not a URL' });
    expect(await checkWebhookUrl('https://user:pw@hooks.example.com/', false, resolve)).toMatchObject({ ok: false });
  });

  it('resolves host names and refuses one with any private address, or none', async () => {
    const resolve = resolver({ 'sneaky.example.com': ['93.184.216.34', '10.0.0.5'], 'inside.example.com': ['192.168.0.9'] });
    expect(await checkWebhookUrl('http://sneaky.example.com/', false, resolve)).toMatchObject({ ok: false, problem: expect.stringContaining('10.0.0.5') });
    expect(await checkWebhookUrl('http://inside.example.com/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('http://[::1]:8080/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('http://missing.example.com/', false, resolve)).toMatchObject({ ok: false, problem: expect.stringContaining('does not resolve') });
    expect(await checkWebhookUrl('http://127.0.0.1:9/', true, resolve)).toMatchObject({ ok: true });
  });
});
