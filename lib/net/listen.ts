import type { AddressInfo, Server } from 'node:net';

/**
 * Binds a server (http, net or ws's underlying one) and resolves to the
 * `host:port` it got (IPv6 hosts in brackets, port 0 resolved); rejects
 * with the bind error (EADDRINUSE, EACCES) and leaves no listener behind.
 */
export async function listenOn(server: Server, address: { readonly host: string; readonly port: number }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `${host}:${bound.port}`;
}
