import { isIPv4, isIPv6 } from "node:net";

/**
 * The network a client address belongs to, as the activity log shows it: IPv4 truncated to its /24,
 * IPv6 to its /48 (a site's allocation). Enough to tell "my home" from "somewhere else" without
 * storing an address that identifies one device. Null for anything that is not an address.
 */
export function networkOf(address: string): string | null {
  const ip = ipv4Inside(address) ?? address;
  if (isIPv4(ip)) return `${ip.split(".").slice(0, 3).join(".")}.0/24`;
  if (!isIPv6(ip)) return null;
  const groups = expandIPv6(ip.split("%")[0] ?? ip);
  // The URL parser writes IPv6 in its canonical form (RFC 5952): lower case, the longest zero run as `::`.
  const prefix = new URL(`http://[${[...groups.slice(0, 3), 0, 0, 0, 0, 0].join(":")}]`).hostname.slice(1, -1);
  return `${prefix}/48`;
}

/**
 * The network a client address stands for when counting attempts (issue 10): an IPv4 address
 * itself, or the /64 an IPv6 address belongs to, since one subscriber is routinely given a whole /64
 * (RFC 6177) and would otherwise have 2^64 fresh addresses to spread guesses over. IPv4-mapped IPv6
 * counts as its IPv4 address; anything else is counted as given.
 */
export function clientNetwork(address: string): string {
  const ip = address.trim().toLowerCase().split("%")[0] ?? "";
  const mapped = ipv4Inside(ip);
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(":")}::/64`;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:198.51.100.7`), else undefined. */
function ipv4Inside(address: string): string | undefined {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
}

/** The eight 16-bit groups of a valid IPv6 address, `::` expanded (an embedded IPv4 tail counts as two). */
function expandIPv6(ip: string): string[] {
  const [head = "", tail] = ip.split("::");
  const parts = (text: string) => (text === "" ? [] : text.split(":")).flatMap(toGroups);
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  return [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right];
}

function toGroups(part: string): string[] {
  if (!part.includes(".")) return [part];
  const [a = 0, b = 0, c = 0, d = 0] = part.split(".").map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
