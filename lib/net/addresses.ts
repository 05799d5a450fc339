import { BlockList, isIP } from 'node:net';

/** Addresses and subnets (`10.0.0.0/8`, `::1`) as one list to check callers against. */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** Whether a socket's remote address is on the list; an IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d. */
export function onList(list: BlockList, remote: string | undefined): boolean {
  if (remote === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
  if (mapped !== undefined) return list.check(mapped, 'ipv4') || list.check(remote, 'ipv6');
  return list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
}
