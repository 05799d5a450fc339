/**
 * The embedded MQTT broker (aedes): MQTT over TCP on `listen`, and over a
 * websocket on `websocketListen` for browser workers. Workers log in with the
 * worker credentials and get the spec's ACL (./acl.ts); optional server
 * credentials get everything (tools, a second hub). powgate itself publishes
 * and subscribes in-process: no socket, no credentials.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { StartLogger } from '../backends/types.js';
import { listenOn } from '../net/listen.js';
import { mayPublish, maySubscribe, type Session } from './acl.js';
import { SessionFile } from './sessions.js';
import type { HubTransport, MessageHandler } from './transport.js';

export interface EmbeddedBrokerOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly websocketListen?: { readonly host: string; readonly port: number } | undefined;
  readonly workerUsername: string;
  readonly workerPassword: string;
  /** A login with the hub's own rights; none when unset. */
  readonly serverUsername?: string | undefined;
  readonly serverPassword?: string | undefined;
  /** Most connections per listener; more are refused by the socket. */
  readonly maxConnections: number;
  /**
   * Where persistent sessions (clean session 0) are kept across restarts
   * (./sessions.ts: DPoW's client never subscribes again after a reconnect);
   * unset: in memory only.
   */
  readonly sessionFile?: string | undefined;
}

/** What the broker's session store does that the session file needs (aedes-persistence's API). */
interface SubscriptionStore {
  addSubscriptions(client: { id: string }, subs: ReadonlyArray<{ topic: string; qos: number; rh: number; rap: boolean; nl: boolean }>): Promise<void>;
  cleanSubscriptions(client: { id: string }): Promise<void>;
}

export interface EmbeddedTransport extends HubTransport {
  readonly kind: 'embedded';
  /** `mqtt://host:port` once started. */
  url(): string;
  /** `ws://host:port` once started, when a websocket listener is configured. */
  websocketUrl(): string | undefined;
}

/** Constant-time comparison of secrets of any length (hashing first evens the lengths). */
function same(a: string | Buffer | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function refused(code: 4 | 5): AuthenticateError {
  const err = new Error(code === 4 ? 'bad user name or password' : 'not authorized') as AuthenticateError;
  (err as { returnCode: number }).returnCode = code;
  return err;
}

export function createEmbeddedTransport(options: EmbeddedBrokerOptions): EmbeddedTransport {
  const sessions = new WeakMap<Client, Session>();
  const workerIds = new Set<string>();
  let handler: MessageHandler = () => {};
  let broker: Aedes | undefined;
  let tcp: net.Server | undefined;
  let web: http.Server | undefined;
  let wss: WebSocketServer | undefined;
  let tcpUrl = '';
  let wsUrl: string | undefined;
  let sessionFile: SessionFile | undefined;

  const start = async (logger?: StartLogger): Promise<void> => {
    const aedes = await Aedes.createBroker({
      // A worker that stops reading must not stall delivery to everyone else.
      drainTimeout: 10_000,
      connectTimeout: 10_000,
      maxClientsIdLength: 128,
      maxTopicLevels: 8,
      authenticate: (client, username, password, done) => {
        if (username === options.workerUsername && same(password, options.workerPassword)) {
          sessions.set(client, { role: 'worker' });
          done(null, true);
        } else if (
          options.serverUsername !== undefined &&
          options.serverPassword !== undefined &&
          username === options.serverUsername &&
          same(password, options.serverPassword)
        ) {
          sessions.set(client, { role: 'server' });
          done(null, true);
        } else {
          done(refused(username === undefined ? 5 : 4), false);
        }
      },
      authorizeSubscribe: (client, sub, done) => {
        const session = sessions.get(client);
        // A refused filter gets SUBACK 0x80; the connection stays.
        done(null, session !== undefined && maySubscribe(session, sub.topic) ? sub : null);
      },
      authorizePublish: (client, packet, done) => {
        // client is null for a last will published after its client is gone: it was checked when sent.
        if (client === null) return done(null);
        const session = sessions.get(client);
        if (session !== undefined && mayPublish(session, packet.topic)) return done(null);
        done(new Error(`publishing on ${packet.topic} is not allowed`));
      },
    });
    aedes.on('clientReady', (client) => {
      if (sessions.get(client)?.role === 'worker') workerIds.add(client.id);
    });
    aedes.on('clientDisconnect', (client) => {
      if (sessions.get(client)?.role === 'worker') workerIds.delete(client.id);
    });
    if (options.sessionFile !== undefined) {
      const path = options.sessionFile;
      // aedes's own store (aedes-persistence, in memory): its types leave it out of the instance.
      const persistence = (aedes as unknown as { persistence: SubscriptionStore }).persistence;
      const file = new SessionFile({
        path,
        maxSessions: options.maxConnections,
        onEvict: (id) => void persistence.cleanSubscriptions({ id }).catch(() => {}),
        // At most one write a second: a full disk is said, not repeated per packet.
        onError: (err) =>
          logger?.warn({ file: path, err: err instanceof Error ? err.message : String(err) }, 'hub: MQTT session file trouble; sessions kept in memory'),
      });
      // Restored before the listeners open: a client reconnecting finds its session.
      const stored = await file.load();
      for (const s of stored) {
        await persistence.addSubscriptions(
          { id: s.id },
          s.subscriptions.map((sub) => ({ ...sub, rh: 0, rap: false, nl: false })),
        );
      }
      if (stored.length > 0) logger?.info({ sessions: stored.length }, 'hub: persistent MQTT sessions restored');
      aedes.on('client', (client) => (client.clean ? file.forget(client.id) : file.connected(client.id)));
      aedes.on('subscribe', (subs, client) => {
        if (client !== null && client !== undefined && !client.clean) file.subscribed(client.id, subs);
      });
      aedes.on('unsubscribe', (topics, client) => {
        if (client !== null && client !== undefined && !client.clean) file.unsubscribed(client.id, topics);
      });
      sessionFile = file;
    }
    // Client errors (a refused publish, a bad packet) end that client only; nothing to log per worker.
    aedes.on('clientError', () => {});
    aedes.on('connectionError', () => {});
    const deliver = (packet: { topic: string; payload: Buffer | string }, cb: () => void): void => {
      try {
        handler(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
      } finally {
        cb();
      }
    };
    for (const topic of ['result/ondemand', 'result/precache', 'presence/+']) {
      await new Promise<void>((resolve) => aedes.subscribe(topic, deliver, resolve));
    }
    broker = aedes;

    tcp = net.createServer((socket) => {
      // Small messages both ways: Nagle's algorithm would hold each one for the peer's delayed ACK (up to 40 ms).
      socket.setNoDelay(true);
      coalesceWrites(socket);
      aedes.handle(socket);
    });
    tcp.maxConnections = options.maxConnections;
    tcpUrl = `mqtt://${await listenOn(tcp, options.listen)}`;
    if (options.websocketListen !== undefined) {
      web = http.createServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over websocket only\n');
      });
      web.maxConnections = options.maxConnections;
      wss = new WebSocketServer({ server: web, maxPayload: 64 * 1024 });
      wss.on('connection', (socket, req) => {
        const stream = createWebSocketStream(socket);
        stream.on('error', () => socket.terminate());
        aedes.handle(stream, req);
      });
      try {
        wsUrl = `ws://${await listenOn(web, options.websocketListen)}`;
      } catch (err) {
        await close();
        throw err;
      }
    }
  };

  const close = async (): Promise<void> => {
    const aedes = broker;
    broker = undefined;
    const servers = [tcp, web].filter((s): s is net.Server => s !== undefined);
    tcp = undefined;
    web = undefined;
    // Both at once: a server's close waits for its sockets, which aedes.close ends.
    const serversClosed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    wss?.clients.forEach((c) => c.terminate());
    wss?.close();
    wss = undefined;
    const brokerClosed = aedes === undefined ? Promise.resolve() : new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all([...serversClosed, brokerClosed, sessionFile?.flush()]);
  };

  return {
    kind: 'embedded',
    get label() {
      return tcpUrl === '' ? `mqtt://${options.listen.host}:${options.listen.port}` : tcpUrl;
    },
    url: () => tcpUrl,
    websocketUrl: () => wsUrl,
    connected: () => broker !== undefined && !broker.closed,
    workers: () => workerIds.size,
    publish(topic, payload, qos) {
      broker?.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false }, () => {});
    },
    onMessage(h) {
      handler = h;
    },
    onDown() {},
    start: (_waitMs, logger) => start(logger),
    close,
  };
}

/**
 * aedes writes each packet to each subscriber from its own setImmediate, so
 * every job published to N workers cost N syscalls, one per packet: the
 * largest single cost of a busy hub. The socket is corked at its first write
 * in a turn of the event loop and uncorked from the next turn's immediates:
 * what this turn wrote (jobs, cancels, several jobs at once under load) goes
 * out in one writev. Nothing waits for a timer: the delay is the rest of this
 * turn, and Nagle stays off.
 */
function coalesceWrites(socket: net.Socket): void {
  let corked = false;
  const release = (): void => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(release);
    }
    return write.apply(this, args);
  } as net.Socket['write'];
}
