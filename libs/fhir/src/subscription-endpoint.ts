import { BlockList, isIP } from 'node:net';

/** Where the hub may send notifications (configuration: NOTIFIER_ALLOWED_HOSTS, NOTIFIER_ALLOW_HTTP). */
export interface EndpointPolicy {
  /** http:// endpoints too (development only; production wants https). */
  allowHttp: boolean;
  /**
   * Hosts (names or addresses, lower case) that may be private, loopback or link-local, e.g. a
   * journal system inside the kommune's network. Every other host must resolve only to public
   * addresses.
   */
  allowedHosts: string[];
}

/** Addresses no notification may reach unless its host is allowed by name (SSRF guard). */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
  // Documentation ranges (RFC 5737): never a real receiver.
  ['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
// ::/96 (IPv4-compatible, deprecated, which also holds :: and ::1), ULA, link-local, multicast,
// NAT64 (64:ff9b::/96) and 6to4 (2002::/16, RFC 7526: deprecated), both of which embed an IPv4
// address a gateway may forward to, and documentation (2001:db8::/32).
for (const [net, prefix] of [['::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2002::', 16], ['2001:db8::', 32]] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** True for an address that is private, loopback, link-local, multicast or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return NON_PUBLIC.check(mapped[1], 'ipv4');
  return NON_PUBLIC.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The endpoint's URL when the policy allows it, else why not (never echoing the URL): https (or
 * http when allowed), no credentials in it, and a host that is either allowed by name or, when
 * it is an address, public, at its scheme's own port (443, or 80 for http): the hub is not a
 * way to reach other services of a public host (SSH, SMTP, a database, an admin port). A name's resolved addresses are checked at each delivery
 * (`checkResolvedAddresses`), so DNS cannot point an allowed-looking name inward later.
 */
export function checkEndpoint(value: string, policy: EndpointPolicy): { url?: URL; error?: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { error: 'channel.endpoint is not a URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) return { error: `channel.endpoint must be https${policy.allowHttp ? ' or http' : ''}` };
  if (url.username || url.password) return { error: 'channel.endpoint must not carry credentials' };
  const host = url.hostname.toLowerCase();
  if (policy.allowedHosts.includes(host)) return { url };
  if (host === 'localhost' || host.endsWith('.localhost')) return { error: 'channel.endpoint is a loopback host the hub is not configured to reach' };
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0 && isNonPublicAddress(host)) return { error: 'channel.endpoint is a private or loopback address the hub is not configured to reach' };
  // The URL parser leaves the port empty when it is the scheme's default.
  if (url.port !== '') return { error: `channel.endpoint must use the ${url.protocol === 'https:' ? 'https' : 'http'} port (${url.protocol === 'https:' ? 443 : 80}) unless its host is allowed by configuration` };
  return { url };
}

/** After resolving a name that is not allowed by name: every address must be public. */
export function checkResolvedAddresses(host: string, addresses: string[], policy: EndpointPolicy): string | undefined {
  if (policy.allowedHosts.includes(host.toLowerCase())) return undefined;
  if (addresses.length === 0) return 'the endpoint host did not resolve';
  if (addresses.some(isNonPublicAddress)) return 'the endpoint host resolves to a private or loopback address the hub is not configured to reach';
  return undefined;
}
