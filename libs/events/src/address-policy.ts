import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
