import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import { checkWebhookUrl, guardedLookup, isRefusedAddress, RefusedAddressError } from './address-policy';

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

  describe('guardedLookup, the delivering socket\'s lookup', () => {
    const answers = (table: Record<string, LookupAddress[]>) => async (host: string) => {
      if (!(host in table)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return table[host];
    };
    const lookUp = (lookup: ReturnType<typeof guardedLookup>, host: string, options: { all?: boolean; family?: number }) =>
      new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
        lookup(host, options as never, ((error: Error | null, address: unknown, family?: number) => resolve({ error, address, family })) as never),
      );
    const table = answers({
      'hooks.example.com': [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }],
      'sneaky.example.com': [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
    });

    it('hands the socket the addresses it checked, by family, one or all', async () => {
      const lookup = guardedLookup(false, table);
      expect(await lookUp(lookup, 'hooks.example.com', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
      expect(await lookUp(lookup, 'hooks.example.com', { family: 6 })).toEqual({ error: null, address: '2606:2800:220:1::1', family: 6 });
      expect((await lookUp(lookup, 'hooks.example.com', { all: true })).address).toEqual([
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ]);
    });

    it('refuses a host with any refused address, passes on a failed lookup, and allows private addresses when told to', async () => {
      const refused = await lookUp(guardedLookup(false, table), 'sneaky.example.com', { all: true });
      expect(refused.error).toBeInstanceOf(RefusedAddressError);
      expect(refused.error).toMatchObject({ code: 'ERR_WEBHOOK_ADDRESS_REFUSED', address: '127.0.0.1', host: 'sneaky.example.com' });
      expect((await lookUp(guardedLookup(false, table), 'missing.example.com', {})).error).toMatchObject({ code: 'ENOTFOUND' });
      expect(await lookUp(guardedLookup(true, table), 'sneaky.example.com', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    });

    describe('on a real socket', () => {
      let server: Server;
      let port: number;
      let connections = 0;
      beforeAll(async () => {
        server = createServer((_request, response) => response.end('taken'));
        server.on('connection', () => connections++);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as AddressInfo).port;
      });
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

      /** Public for the first question (the check before delivery), loopback after: DNS rebinding. */
      const rebinding = () => {
        let asked = 0;
        return async (): Promise<LookupAddress[]> => (asked++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
      };

      it('does not connect where a rebinding host points after it passed the check', async () => {
        const resolve = rebinding();
        const url = `http://rebind.example.com:${port}/hook`;
        expect(await checkWebhookUrl(url, false, async () => (await resolve()).map((a) => a.address))).toMatchObject({ ok: true });
        const agent = new Agent({ connect: { lookup: guardedLookup(false, resolve) } });
        const before = connections;
        try {
          const failure = await fetch(url, { method: 'POST', body: '{}', dispatcher: agent }).then(
            () => null,
            (error: Error) => error,
          );
          expect((failure?.cause as Error | undefined)?.constructor).toBe(RefusedAddressError);
          expect(connections).toBe(before);
        } finally {
          await agent.close();
        }
      });

      it('connects to the address it resolved, for a host no real DNS knows, when private addresses are allowed', async () => {
        const agent = new Agent({ connect: { lookup: guardedLookup(true, async () => [{ address: '127.0.0.1', family: 4 }]) } });
        try {
          const response = await fetch(`http://rebind.example.com:${port}/hook`, { method: 'POST', body: '{}', dispatcher: agent });
          expect(response.status).toBe(200);
          expect(await response.text()).toBe('taken');
        } finally {
          await agent.close();
        }
      });
    });
  });
});
