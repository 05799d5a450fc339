/**
 * The hub through an existing MQTT broker (Mosquitto, EMQX, NanoMQ, HiveMQ):
 * one client connection with the hub's own credentials, subscribed to
 * `result/#` at QoS 0 as DPoW's server is. mqtt.js reconnects on its own; while
 * it is down the hub fails its jobs at once so the next tier answers.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { type Duplex, Transform } from 'node:stream';
import { connect, type MqttClient } from 'mqtt';
import { coalesceWrites, resultFramer } from './framer.js';
import type { HubTransport, MessageHandler } from './transport.js';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss://, credentials allowed in the URL. */
  readonly url: string;
  /** Override the URL's user name and password. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** First reconnect delay, ms. */
  readonly reconnectPeriod?: number;
}

/** scheme://host:port of a broker URL: safe for logs, errors and the dashboard. */
export function brokerLabel(raw: string): string {
  const url = new URL(raw);
  return `${url.protocol}//${url.host}`;
}

export function createExternalTransport(options: ExternalBrokerOptions): HubTransport {
  const url = new URL(options.url);
  const username = options.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  const password = options.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  // The client gets the URL without credentials: mqtt.js puts its URL in some error messages.
  url.username = '';
  url.password = '';
  const label = `${url.protocol}//${url.host}`;
  let handler: MessageHandler = () => {};
  let down: () => void = () => {};
  let client: MqttClient | undefined;
  let wasConnected = false;
  let refused: string | undefined;

  return {
    kind: 'external',
    label,
    connected: () => client?.connected === true,
    problem: () => refused,
    workers: () => undefined,
    publish(topic, payload, qos) {
      // Never queued while offline: a job published after a reconnect would be stale.
      if (client?.connected === true) client.publish(topic, payload, { qos, retain: false });
    },
    onMessage(h) {
      handler = h;
    },
    onDown(h) {
      down = h;
    },
    async start(waitMs) {
      const c = connect(url.toString(), {
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        clientId: `powgate-hub-${randomBytes(6).toString('hex')}`,
        clean: true,
        keepalive: 30,
        connectTimeout: 5000,
        reconnectPeriod: options.reconnectPeriod ?? 1000,
        queueQoSZero: false,
        resubscribe: true,
        // The stream is wrapped (readResults) before the first connection is made.
        manualConnect: true,
      });
      client = c;
      const builder = c as unknown as { streamBuilder: (client: MqttClient) => Duplex };
      const build = builder.streamBuilder;
      builder.streamBuilder = (mqttClient) => {
        const stream = build(mqttClient);
        // A TCP connection (mqtt://): what a turn of the event loop publishes goes out in one write.
        if (stream instanceof net.Socket) coalesceWrites(stream);
        return readResults(stream, (topic, payload) => {
          handler(topic, payload);
          return true;
        });
      };
      c.connect();
      c.on('message', (topic, payload) => handler(topic, payload));
      const ready = new Promise<void>((resolve) => {
        c.on('connect', () => {
          noDelay(c);
          wasConnected = true;
          refused = undefined;
          c.subscribe(['result/#', 'presence/+'], { qos: 0 }, () => resolve());
        });
      });
      c.on('close', () => {
        if (wasConnected) {
          wasConnected = false;
          down();
        }
      });
      // Errors (refused login, broker gone) are retried by mqtt.js; the backend's status reports them.
      c.on('error', (err: Error & { code?: unknown }) => {
        // CONNACK 4/5 (0x86/0x87 in MQTT 5): the broker refused our credentials.
        if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) refused = "the broker refused the hub's login";
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
    async close() {
      const c = client;
      client = undefined;
      if (c !== undefined) await c.endAsync(true).catch(() => {});
    },
  };
}

/** Jobs and results are a few dozen bytes: without TCP_NODELAY each can wait for a delayed ACK (up to 40 ms). */
export function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}

/**
 * The results the broker delivers (QoS 0, on result/ topics: N per job with N
 * workers) are read off the connection by the result framer (./framer.ts) and
 * handed to `take`; mqtt.js gets every other byte, in order, through the pipe
 * it makes from the stream. Without this each result went through
 * mqtt-packet's parser, a packet queue and a tick of its own in mqtt.js.
 */
export function readResults(stream: Duplex, take: (topic: string, payload: Buffer) => boolean): Duplex {
  const pipe = stream.pipe.bind(stream);
  stream.pipe = ((dest: NodeJS.WritableStream, options?: { end?: boolean }) => {
    const out: Buffer[] = [];
    const frame = resultFramer(take, (bytes) => out.push(bytes));
    const filter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        frame(chunk);
        for (const bytes of out) this.push(bytes);
        out.length = 0;
        done();
      },
    });
    pipe(filter);
    return filter.pipe(dest, options);
  }) as Duplex['pipe'];
  return stream;
}
