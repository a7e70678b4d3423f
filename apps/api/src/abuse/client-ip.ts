import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client IP is limited under. IPv6 addresses are grouped by /64: one subscriber
 * usually holds a whole /64 and can rotate through it at will. IPv4-mapped IPv6 addresses
 * count as the IPv4 address.
 */
export function ipLimitKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return 'unknown';
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/**
 * The client's network, which a flood challenge is bound to: an IPv4 /24 or an IPv6 /64. A
 * proof solved elsewhere (stocked by a botnet, or farmed out) is refused; a person whose
 * address changes within the network between challenge and retry (carrier NAT pools hand
 * out neighbours) is not.
 */
export function clientNetwork(ip: string | undefined): string {
  const key = ipLimitKey(ip);
  const v4 = /^(\d+\.\d+\.\d+)\.\d+$/.exec(key);
  return v4 ? `${v4[1]}.0/24` : key;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two groups.
  const last = right.length ? right[right.length - 1]! : left[left.length - 1];
  const v4 = last && last.includes('.') ? 1 : 0;
  const fill =
    tail === undefined ? [] : new Array<string>(8 - left.length - right.length - v4).fill('0');
  return [...left, ...fill, ...right].map((g) =>
    g.includes('.') ? g : (parseInt(g || '0', 16) || 0).toString(16),
  );
}
