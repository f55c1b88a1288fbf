import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * What kind of network an IP address belongs to, for the SSRF guard: webhook URLs are given by
 * API clients, and a URL that reaches the service's own host, its cloud metadata endpoint
 * (169.254.169.254) or the internal network would let them probe it. Only `public` addresses
 * are delivered to unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is set.
 */
export type AddressClass = 'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'carrier-grade NAT' | 'multicast' | 'reserved';

type Family = 'ipv4' | 'ipv6';

const RANGES: [Exclude<AddressClass, 'public'>, string, number, Family][] = [
  // RFC 1122 "this network": 0.0.0.0 connects to the local host on Linux.
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  // Unique local addresses (RFC 4193), IPv6's private ranges.
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  // RFC 6598 shared address space: a provider's internal network, not the internet.
  ['carrier-grade NAT', '100.64.0.0', 10, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  // Class E and the limited broadcast address: never a web server.
  ['reserved', '240.0.0.0', 4, 'ipv4'],
];

const LISTS = new Map<AddressClass, BlockList>();
for (const [kind, network, prefix, family] of RANGES) {
  const list = LISTS.get(kind) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  LISTS.set(kind, list);
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
}

/**
 * The IPv4 address an IPv6 one carries, when it is the IPv4 host in disguise: IPv4-mapped
 * (::ffff:a.b.c.d, which a dual-stack socket connects to over IPv4) and the NAT64 well-known
 * prefix (64:ff9b::/96, translated to IPv4 by the network's gateway).
 */
function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0);
  if (!mapped && !nat64) return undefined;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/** The class of an IP address (a zone index, `fe80::1%eth0`, is ignored); throws for a non-address. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) throw new Error(`not an IP address: ${address}`);
  const inner = version === 6 ? embeddedIpv4(bare) : undefined;
  const [checked, family]: [string, Family] = inner ? [inner, 'ipv4'] : [bare, isIPv4(bare) ? 'ipv4' : 'ipv6'];
  for (const [kind, list] of LISTS) if (list.check(checked, family)) return kind;
  return 'public';
}

/**
 * The IP address a URL's hostname is written as, if it is one (`[::1]` without its brackets),
 * else undefined (a name, resolved only when a delivery is sent).
 */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare.replace(/%.*$/, '')) ? bare : undefined;
}
