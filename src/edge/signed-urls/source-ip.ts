/**
 * A custom policy's `IpAddress: { "AWS:SourceIp": "192.0.2.0/24" }` condition (distribution.md
 * §10): one range in CIDR notation (`/32` for one address), compared with the viewer's own
 * address (the connection's, not X-Forwarded-For).
 */
import { BlockList, isIP } from 'node:net';

/**
 * A predicate for viewer addresses in the range, or undefined when `cidr` is not an address with
 * a prefix length.
 * Deviation from CloudFront: CloudFront documents IPv4 ranges only; IPv6 ranges (`2001:db8::/32`)
 * are accepted here too. A viewer of the other address family is never in the range.
 */
export function parseSourceIp(cidr: unknown): ((ip: string) => boolean) | undefined {
  if (typeof cidr !== 'string') return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const family = m ? isIP(m[1]) : 0;
  if (!m || family === 0) return undefined;
  const prefix = Number(m[2]);
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const range = new BlockList();
  range.addSubnet(m[1], prefix, type);
  return (ip) => isIP(ip) === family && range.check(ip, type);
}
