/**
 * The embedded MQTT broker (aedes): MQTT over TCP on `listen`, and over a
 * websocket on `websocketListen` for browser workers. Workers log in with the
 * worker credentials and get the spec's ACL (./acl.ts); optional server
 * credentials get everything (tools, a second hub). powgate itself publishes
 * and subscribes in-process: no socket, no credentials.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { StartLogger } from '../backends/types.js';
import { listenOn } from '../net/listen.js';
import { mayPublish, maySubscribe, type Session } from './acl.js';
import { coalesceWrites, resultFramer } from './framer.js';
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

/** What direct delivery reads of an aedes client beyond its typings (aedes 1.x, lib/client.js). */
export interface WireClient extends Client {
  /** Its subscriptions by filter: the broker's own record, what aedes matches against. */
  readonly subscriptions: Record<string, unknown>;
  /** aedes's guard for a client that stops reading: past `drainTimeout` without a drain it is disconnected. */
  waitForDrain(callback: () => void): void;
}

/** The topics the hub reads in-process: never delivered directly, so its own handler sees them through aedes. */
const OWN_TOPICS = /^(result|presence)\//;
/** Topic audiences remembered at most (client/{account} topics are one per worker). */
const AUDIENCES = 1024;

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
  /**
   * Who a topic reaches, by topic: the connected clients with a matching
   * subscription, or null when one of them is not a plain worker (a server
   * login, MQTT 5) and aedes must deliver. Cleared whenever a subscription, a
   * connection or a disconnection changes the answer.
   */
  const audiences = new Map<string, WireClient[] | null>();
  const draining = new WeakSet<Client>();

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
    // Whatever changes who a topic reaches forgets the audiences.
    const forget = (): void => audiences.clear();
    for (const event of ['client', 'clientReady', 'clientDisconnect', 'subscribe', 'unsubscribe']) (aedes as EventEmitter).on(event, forget);
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
    // A worker's result read off its socket (takeResults) goes to the hub at once: through aedes it
    // went through mqtt-packet's parser (its buffer list and debug calls allocated ~20 KB per job
    // with 10 workers), a Packet, the retained-message and matching series (qlobber) and back to
    // our subscription, N times per job with N workers. Only for a connected worker login (which
    // mayPublish allows on result topics), and only while nobody else reads results; everything
    // else, and any result this declines, is handed to aedes, in order.
    const takeResult = (client: WireClient, topic: string, payload: Buffer): boolean => {
      if (!client.connected || client.closed || sessions.get(client)?.role !== 'worker' || audience(aedes, topic)?.length !== 0) return false;
      // What aedes does for every packet it handles: the client is alive (MQTT 3.1.1 §3.1.2.10).
      const alive = client as unknown as { _keepaliveInterval?: number; _keepaliveTimer?: NodeJS.Timeout | null };
      if ((alive._keepaliveInterval ?? 0) > 0) alive._keepaliveTimer?.refresh();
      deliver({ topic, payload }, () => {});
      return true;
    };
    broker = aedes;

    tcp = net.createServer((socket) => {
      // Small messages both ways: Nagle's algorithm would hold each one for the peer's delayed ACK (up to 40 ms).
      socket.setNoDelay(true);
      coalesceWrites(socket);
      takeResults(aedes.handle(socket) as WireClient, takeResult);
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
        takeResults(aedes.handle(stream, req) as WireClient, takeResult);
      });
      try {
        wsUrl = `ws://${await listenOn(web, options.websocketListen)}`;
      } catch (err) {
        await close();
        throw err;
      }
    }
  };

  /** The connected clients `topic` reaches (see `audiences`); null: aedes delivers. */
  const audience = (aedes: Aedes, topic: string): WireClient[] | null => {
    let list = audiences.get(topic);
    if (list !== undefined) return list;
    list = [];
    for (const client of Object.values((aedes as unknown as { clients: Record<string, WireClient> }).clients)) {
      if (!client.connected || client.closed) continue;
      const filters = Object.keys(client.subscriptions);
      if (!filters.some((filter) => topicMatches(filter, topic))) {
        // A shared subscription ($share/group/filter) is not matched here: aedes decides.
        if (sessions.get(client)?.role === 'server' && filters.some((filter) => filter.startsWith('$'))) {
          list = null;
          break;
        }
        continue;
      }
      if (sessions.get(client)?.role !== 'worker' || client.version > 4) {
        list = null;
        break;
      }
      list.push(client);
    }
    if (audiences.size >= AUDIENCES) audiences.clear();
    audiences.set(topic, list);
    return list;
  };

  /**
   * The hub's own QoS 0 message to its workers, serialised once and written
   * to each subscriber's socket. Through aedes each subscriber cost two Packet
   * copies, a setImmediate and a serialisation in five socket writes: for a
   * job and its cancel to N workers that was 2N of each, the broker's largest
   * cost after the kernel's. Only where the audience is plain workers
   * (`audience`): anyone else, and every retained or QoS 1 message, goes
   * through aedes.
   */
  const deliverDirect = (aedes: Aedes, topic: string, payload: Buffer): boolean => {
    if (OWN_TOPICS.test(topic)) return false;
    const list = audience(aedes, topic);
    if (list === null) return false;
    if (list.length === 0) return true;
    const frame = publishFrame(topic, payload);
    for (const client of list) {
      if (client.closed || !client.connected) continue;
      // As aedes's own write: a client that stops reading is given drainTimeout, then dropped.
      if (!client.conn.write(frame) && !draining.has(client)) {
        draining.add(client);
        client.waitForDrain(() => draining.delete(client));
      }
    }
    return true;
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
      if (broker === undefined) return;
      const bytes = Buffer.from(payload);
      if (qos === 0 && deliverDirect(broker, topic, bytes)) return;
      broker.publish({ cmd: 'publish', topic, payload: bytes, qos, retain: false, dup: false }, () => {});
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
 * Puts the result framer (./framer.ts) in front of an aedes client's MQTT
 * parser: results `take` accepts go to the hub, every other byte to the
 * parser as it came, in order.
 */
export function takeResults(client: WireClient, take: (client: WireClient, topic: string, payload: Buffer) => boolean): void {
  const parser = (client as unknown as { _parser: { parse(buf: Buffer): unknown } })._parser;
  const parse = parser.parse.bind(parser);
  parser.parse = resultFramer((topic, payload) => take(client, topic, payload), parse);
}

/** Whether an MQTT topic filter matches a topic name (MQTT 3.1.1 §4.7; wildcards never match a leading `$`). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  if (topic.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length || (level !== '+' && level !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * A QoS 0 PUBLISH as MQTT 3.1 and 3.1.1 write it (no packet id, no
 * properties): fixed header 0x30, remaining length, topic, payload.
 */
export function publishFrame(topic: string, payload: Buffer): Buffer {
  const topicLength = Buffer.byteLength(topic);
  const remaining = 2 + topicLength + payload.length;
  let lengthBytes = 1;
  for (let n = remaining; n >= 128; n = Math.floor(n / 128)) lengthBytes++;
  const frame = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  let at = 0;
  frame[at++] = 0x30;
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    frame[at++] = byte;
  } while (n > 0);
  frame.writeUInt16BE(topicLength, at);
  at += 2;
  at += frame.write(topic, at, 'utf8');
  payload.copy(frame, at);
  return frame;
}
