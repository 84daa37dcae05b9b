import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client is rate limited by: its IPv4 address (also when written IPv4-mapped, `::ffff:a.b.c.d`),
 * or the /64 prefix of its IPv6 address, because one IPv6 client usually holds a whole /64 and could
 * otherwise take a fresh address for every request.
 */
export function clientKey(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  const mapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : '';
  if (isIPv4(mapped)) return mapped;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
