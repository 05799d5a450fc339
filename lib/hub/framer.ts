import type net from 'node:net';

/**
 * What the hub's MQTT connections read and write, beside the MQTT libraries.
 *
 * A framer for the MQTT bytes a connection receives: whole QoS 0 PUBLISH
 * packets (no dup, no retain) on a result topic are offered to `take`, which
 * refuses what it will not handle, and every other byte goes to `pass` as it
 * came, in order. It reads only the fixed header and the topic.
 *
 * Why: with N workers the hub reads N results per job, and mqtt-packet's
 * parser (its buffer list, a debug call per step, a packet object) cost more
 * per result than the hub's own handling; the embedded broker's aedes and the
 * external transport's mqtt.js then each add their own steps per packet.
 */

/** The longest result packet taken (a DPoW result is about 150 bytes; the hub refuses over 512). */
const MAX_RESULT_PACKET = 1024;
const RESULT_TOPICS = ['result/ondemand', 'result/precache'].map((name) => ({ name, bytes: Buffer.from(name) }));

/** Returns the function to give each chunk received, in order. */
export function resultFramer(take: (topic: string, payload: Buffer) => boolean, pass: (bytes: Buffer) => void): (chunk: Buffer) => void {
  /** The start of a packet cut short by the end of a chunk (a result being read, or a header). */
  let carry: Buffer | undefined;
  /** Bytes still to come of a packet being passed on as they arrive. */
  let passing = 0;
  return (chunk: Buffer) => {
    const buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    carry = undefined;
    const n = buf.length;
    /** Bytes from `from` to `at` are to pass on. */
    let from = 0;
    let at = 0;
    while (at < n) {
      if (passing > 0) {
        const step = Math.min(passing, n - at);
        passing -= step;
        at += step;
        continue;
      }
      // Remaining length: 1 to 4 bytes of 7 bits after the first byte.
      let length = 0;
      let i = at + 1;
      let complete = false;
      for (let shift = 1; i < n && i < at + 5; i++, shift *= 128) {
        const byte = buf[i] as number;
        length += (byte & 127) * shift;
        if ((byte & 128) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete) {
        if (i - at >= 5) {
          // Not MQTT: the parser behind says so (and the connection is closed).
          at = n;
          break;
        }
        carry = Buffer.from(buf.subarray(at));
        break;
      }
      const total = i - at + length;
      if (buf[at] === 0x30 && total <= MAX_RESULT_PACKET) {
        if (n - at < total) {
          carry = Buffer.from(buf.subarray(at));
          break;
        }
        const topicLength = length >= 2 ? ((buf[i] as number) << 8) | (buf[i + 1] as number) : -1;
        const topic =
          topicLength + 2 <= length
            ? RESULT_TOPICS.find((t) => t.bytes.length === topicLength && buf.compare(t.bytes, 0, topicLength, i + 2, i + 2 + topicLength) === 0)
            : undefined;
        if (topic !== undefined) {
          // What came before goes first: the packets keep their order.
          if (from < at) pass(buf.subarray(from, at));
          if (take(topic.name, buf.subarray(i + 2 + topicLength, at + total))) {
            at += total;
            from = at;
            continue;
          }
          from = at;
        }
        at += total;
        continue;
      }
      const here = Math.min(total, n - at);
      passing = total - here;
      at += here;
    }
    if (from < at) pass(buf.subarray(from, at));
  };
}

/**
 * Each MQTT packet written on its own costs a syscall (mqtt-packet corks and
 * uncorks the socket per packet): for the embedded broker, N per job with N
 * workers; through an external broker, the job, its cancel and the winner's
 * client/ message. The socket is corked at its first write and uncorked from
 * a setImmediate (the check phase of this turn of the event loop, or of the
 * next when the write came from an immediate): what was written meanwhile
 * (jobs, cancels, several jobs at once under load) goes out in one writev.
 * Nothing waits for a timer, and Nagle stays off.
 */
export function coalesceWrites(socket: net.Socket): void {
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
