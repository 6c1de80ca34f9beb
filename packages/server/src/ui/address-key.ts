// Which remote addresses share one failed-login budget. An IPv4 address is one party. An IPv6
// address is not: a single host or customer routinely gets a whole /64 (SLAAC, privacy addresses,
// ISPs hand out /64s or larger) and can pick a fresh source address for every attempt, so counting
// IPv6 per address would give an attacker 2^64 budgets. IPv6 is counted by its /64 prefix, and an
// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket reports for an IPv4 peer)
// as the IPv4 address it carries, so one peer cannot double its budget by changing socket family.
// So is an address of NAT64's well-known prefix (`64:ff9b::a.b.c.d`, RFC 6052): behind a NAT64
// gateway every IPv4 client arrives from that one /64, and counting it as a /64 would let one
// client lock all of them out.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key `address` is counted under by the monitor's login limit: an IPv4 address as it is; an
 * IPv6 address as its /64 network (`2001:db8:0:1::/64`), or as its IPv4 address when it is
 * IPv4-mapped or NAT64-translated (`64:ff9b::/96`); anything that is not an IP address (no peer address known) as it is.
 */
export function loginAddressKey(address: string): string {
  if (isIPv4(address)) return address;
  // A zone (`fe80::1%eth0`) names the local interface, not the peer.
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  const [high, low] = [groups[6] ?? 0, groups[7] ?? 0];
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  // The well-known prefix never carries a non-global IPv4 address (RFC 6052 §3.1): a peer that
  // claims one is not a translated client, and must not pick another client's budget (127.0.0.1).
  const nat64 =
    groups[0] === 0x64 &&
    groups[1] === 0xff9b &&
    groups.slice(2, 6).every((group) => group === 0) &&
    isGlobalIPv4(high * 0x10000 + low);
  if (mapped || nat64) return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

// IPv4 blocks that are not global (RFC 5735 §3, RFC 6598): [network, prefix length].
const NON_GLOBAL_IPV4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], // this network
  [0x0a000000, 8], // private
  [0x64400000, 10], // shared address space (carrier-grade NAT)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link local
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // TEST-NET-1
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // TEST-NET-2
  [0xcb007100, 24], // TEST-NET-3
  [0xe0000000, 3], // multicast, reserved and broadcast (224.0.0.0 and up)
];

function isGlobalIPv4(address: number): boolean {
  return !NON_GLOBAL_IPV4.some(
    ([network, bits]) => Math.floor(address / 2 ** (32 - bits)) === network / 2 ** (32 - bits),
  );
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const tailAt = text.lastIndexOf(':') + 1;
  const tail = text.slice(tailAt);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, tailAt)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
