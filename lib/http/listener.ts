import http from 'node:http';
import { listenOn } from '../net/listen.js';

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A listening HTTP server and the steps of closing it gracefully. */
export interface Listener {
  readonly url: string;
  readonly server: http.Server;
  /** Stops taking connections and drops idle keep-alive ones; requests in progress go on. */
  stopAccepting(): void;
  /** Resolves once no request is in progress, or after `ms`. */
  settled(ms: number): Promise<void>;
  /** Drops every connection and resolves once the server has closed. */
  close(): Promise<void>;
}

/** Creates a server for `handler` and binds it; rejects (nothing left open) when the address cannot be bound. */
export async function openListener(handler: http.RequestListener, address: Address, options: http.ServerOptions): Promise<Listener> {
  let active = 0;
  const finished = (): void => {
    active--;
  };
  // Counted in the handler itself rather than by a second 'request' listener, and with one shared
  // 'close' listener rather than a once-wrapper per request: this runs for every request (issue 12).
  const server = http.createServer(options, (req, res) => {
    active++;
    res.on('close', finished);
    handler(req, res);
  });
  const hostPort = await listenOn(server, address);

  let closed: Promise<void> | undefined;
  const stopAccepting = (): void => {
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  return {
    url: `http://${hostPort}`,
    server,
    stopAccepting,
    async settled(ms) {
      const until = Date.now() + ms;
      while (active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    },
    async close() {
      stopAccepting();
      server.closeAllConnections();
      await closed;
    },
  };
}
