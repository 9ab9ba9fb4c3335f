import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where webhooks may not point unless WEBHOOK_ALLOW_PRIVATE is set: loopback, private, link-local
 * (cloud metadata services live there), carrier-grade NAT, unspecified and multicast addresses, in
 * IPv4 and IPv6 (IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry).
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return REFUSED.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return REFUSED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; problem: string };

/** Checks a webhook URL: http(s), and (unless private addresses are allowed) every address its host resolves to. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve: (host: string) => Promise<string[]> = resolveAll): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'must be an http or https URL' };
  if (url.username || url.password) return { ok: false, problem: 'must not carry a user name or password; use the signature to authenticate' };
  if (allowPrivate) return { ok: true, url };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return { ok: false, problem: `its host "${host}" does not resolve` };
  }
  const refused = addresses.find(isRefusedAddress);
  if (refused !== undefined || addresses.length === 0) {
    return { ok: false, problem: `points at ${refused ?? 'no'} address, a loopback, private or link-local one; refused unless WEBHOOK_ALLOW_PRIVATE=true` };
  }
  return { ok: true, url };
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookupAll(host)).map((a) => a.address);
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return lookup(host, { all: true, verbatim: true });
}

/** A receiver's host resolved, when the socket connected, to an address webhooks may not reach. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';

  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolved to ${address}, a loopback, private or link-local address; refused unless WEBHOOK_ALLOW_PRIVATE=true`);
    this.name = 'RefusedAddressError';
  }
}

/**
 * The `lookup` of the sockets that deliver webhooks: it resolves the host, refuses it when any address
 * is refused (as checkWebhookUrl does), and hands the socket the addresses it checked. The check and
 * the connection then see one answer: a host that resolved to a public address for checkWebhookUrl and
 * to 127.0.0.1 a moment later (DNS rebinding) cannot reach inside. An IP literal is not looked up, and
 * checkWebhookUrl judges it before each delivery.
 */
export function guardedLookup(allowPrivate: boolean, resolve: (host: string) => Promise<LookupAddress[]> = lookupAll): LookupFunction {
  return (hostname, options, callback) => {
    const answer = callback as (error: Error | null, address: string | LookupAddress[], family?: number) => void;
    resolve(hostname).then(
      (addresses) => {
        const refused = allowPrivate ? undefined : addresses.find((a) => isRefusedAddress(a.address));
        if (refused) return answer(new RefusedAddressError(hostname, refused.address), '');
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family === undefined ? addresses : addresses.filter((a) => a.family === family);
        if (usable.length === 0) return answer(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '');
        if (options.all) answer(null, usable);
        else answer(null, usable[0].address, usable[0].family);
      },
      (error: Error) => answer(error, ''),
    );
  };
}
