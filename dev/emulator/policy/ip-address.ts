/**
 * IP addresses and CIDR blocks for IpAddress / NotIpAddress on `acs:SourceIp` (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Condition keys"): a policy
 * value is a CIDR block or a single address, IPv4 or IPv6. Parsed with `node:net` validation plus BigInt arithmetic,
 * no dependencies.
 *
 * Not supported: the `*` wildcard form the OSS doc mentions for `acs:SourceIp` (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements; its exact semantics are not
 * documented), so a policy using it is refused at parse time rather than guessed at.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddressValue {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface CidrBlock {
  readonly version: 4 | 6;
  /** The network with host bits cleared (`192.168.1.5/16` is accepted and means `192.168.0.0/16`). */
  readonly network: bigint;
  readonly prefixLength: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses a plain IPv4 or IPv6 address (no zone id, no brackets); null when it is not one. */
function parseIpAddress(text: string): IpAddressValue | null {
  if (isIPv4(text)) return { version: 4, value: ipv4ToBigInt(text) };
  if (isIPv6(text) && !text.includes('%')) return { version: 6, value: ipv6ToBigInt(text) };
  return null;
}

/** Parses `addr/len` or a single address (treated as /32 or /128); null when it is neither. */
export function parseCidr(text: string): CidrBlock | null {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (address === null) return null;
  const bits = BITS[address.version];
  let prefixLength: number = bits;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(lengthText)) return null;
    prefixLength = Number(lengthText);
    if (prefixLength > bits) return null;
  }
  return { version: address.version, network: hostBitsCleared(address.value, bits, prefixLength), prefixLength };
}

export function cidrContains(block: CidrBlock, address: IpAddressValue): boolean {
  if (block.version !== address.version) return false;
  return hostBitsCleared(address.value, BITS[address.version], block.prefixLength) === block.network;
}

/**
 * The forms a request's source address can be compared in: itself, plus the IPv4 address inside an IPv4-mapped IPv6
 * address (`::ffff:10.0.0.1`), which is how a dual-stack Node server reports IPv4 clients.
 */
export function addressForms(text: string): IpAddressValue[] {
  const address = parseIpAddress(text);
  if (address === null) return [];
  if (address.version === 6 && address.value >> 32n === 0xffffn) {
    return [address, { version: 4, value: address.value & 0xffffffffn }];
  }
  return [address];
}

function hostBitsCleared(value: bigint, bits: number, prefixLength: number): bigint {
  const hostBits = BigInt(bits - prefixLength);
  return (value >> hostBits) << hostBits;
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(text: string): bigint {
  let body = text;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two 16-bit groups.
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToBigInt(tail);
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = body.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
