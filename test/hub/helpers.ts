import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { encodeAccount, hexToBytes, workValue } from '../../lib/pow/index.js';
import { freePort } from '../helpers/ports.js';

export { freePort };

/** The machine's Mosquitto (anonymous, loopback); .ci/run starts one when none answers. */
export const MOSQUITTO_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export function randomAccount(prefix = 'nano_'): string {
  return encodeAccount(crypto.getRandomValues(new Uint8Array(32)), prefix);
}

export async function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface MosquittoOptions {
  /** user → password; with users, anonymous logins are refused. */
  readonly users?: Readonly<Record<string, string>>;
  /** Mosquitto acl_file text. */
  readonly acl?: string;
}

/**
 * A private Mosquitto on a free port (its own config, password and ACL files
 * in a temp dir): tests that need auth, ACLs or a broker restart cannot share
 * the machine's.
 */
export class PrivateMosquitto {
  readonly port: number;
  readonly #dir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static available(): boolean {
    return spawnSync('mosquitto', ['-h']).error === undefined;
  }

  static async start(options: MosquittoOptions = {}): Promise<PrivateMosquitto> {
    const dir = mkdtempSync(join(tmpdir(), 'powgate-mosquitto-'));
    const port = await freePort();
    const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest none'];
    if (options.users !== undefined) {
      const passwd = join(dir, 'passwd');
      writeFileSync(passwd, '');
      for (const [user, pass] of Object.entries(options.users)) {
        const r = spawnSync('mosquitto_passwd', ['-b', passwd, user, pass]);
        if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr.toString()}`);
      }
      lines.push('allow_anonymous false', `password_file ${passwd}`);
    } else {
      lines.push('allow_anonymous true');
    }
    if (options.acl !== undefined) {
      const acl = join(dir, 'acl');
      writeFileSync(acl, options.acl);
      lines.push(`acl_file ${acl}`);
    }
    writeFileSync(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
    // Started as root, Mosquitto drops to its own user before it reads the password and ACL files.
    chmodSync(dir, 0o755);
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
    const m = new PrivateMosquitto(port, dir);
    await m.resume();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the process on the same port. */
  async resume(): Promise<void> {
    this.#child = spawn('mosquitto', ['-c', join(this.#dir, 'mosquitto.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await portAnswers(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('mosquitto did not start');
  }

  /** Stops the process (a broker outage); `resume` brings it back. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** DPoW's production ACL (spec §1.8), for the hub user `powgate` and the worker user `client`. */
export const DPOW_ACL = `user client
topic read heartbeat
topic read statistics
topic read work/precache
topic read work/ondemand
topic read cancel/precache
topic read cancel/ondemand
topic read client/+
topic write result/precache
topic write result/ondemand

user powgate
topic readwrite #
`;

export type WorkerBehaviour = 'valid' | 'invalid' | 'silent';

export interface WireMessage {
  readonly topic: string;
  readonly payload: string;
}

/**
 * A DPoW worker written straight from the wire format (spec §1.8), with no
 * powgate code but the PoW oracle: subscribes as the reference client does,
 * answers `HASH,difficulty` with `HASH,work,account`, and records everything.
 */
export class WireWorker {
  readonly account: string;
  readonly messages: WireMessage[] = [];
  readonly client: MqttClient;
  behaviour: WorkerBehaviour;
  /** Delay before answering, ms. */
  delay = 0;

  private constructor(client: MqttClient, account: string, behaviour: WorkerBehaviour) {
    this.client = client;
    this.account = account;
    this.behaviour = behaviour;
    client.on('message', (topic, payload) => this.#onMessage(topic, payload.toString('utf8')));
  }

  static async connect(
    url: string,
    options: { account?: string; behaviour?: WorkerBehaviour; username?: string; password?: string; subscribeClientOf?: string } = {},
  ): Promise<WireWorker> {
    const account = options.account ?? randomAccount();
    const mqttOptions: IClientOptions = {
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...(options.username === undefined ? {} : { username: options.username, password: options.password ?? '' }),
    };
    const client = await new Promise<MqttClient>((resolve, reject) => {
      const c = connect(url, mqttOptions);
      c.once('connect', () => resolve(c));
      c.once('error', (err) => {
        c.end(true);
        reject(err);
      });
    });
    const worker = new WireWorker(client, account, options.behaviour ?? 'valid');
    await client.subscribeAsync({ 'work/ondemand': { qos: 0 }, 'work/precache': { qos: 0 }, heartbeat: { qos: 0 }, statistics: { qos: 0 } });
    await client.subscribeAsync({
      'cancel/ondemand': { qos: 1 },
      'cancel/precache': { qos: 1 },
      [`client/${options.subscribeClientOf ?? account}`]: { qos: 1 },
    });
    return worker;
  }

  #onMessage(topic: string, payload: string): void {
    this.messages.push({ topic, payload });
    if (!topic.startsWith('work/') || this.behaviour === 'silent') return;
    const [hash, difficulty] = payload.split(',') as [string, string];
    const work = this.behaviour === 'valid' ? findWork(hash, BigInt(`0x${difficulty}`)) : findInvalid(hash, BigInt(`0x${difficulty}`));
    const send = (): void => this.publishResult(topic.slice('work/'.length), `${hash},${work},${this.account}`);
    if (this.delay > 0) setTimeout(send, this.delay);
    else send();
  }

  publishResult(type: string, payload: string): void {
    if (this.client.connected) this.client.publish(`result/${type}`, payload, { qos: 0 });
  }

  /** Resolves with the first message matching, including ones already received. */
  async next(match: (m: WireMessage) => boolean, ms = 5000): Promise<WireMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching message within ${ms} ms; got ${this.messages.map((m) => m.topic).join(' ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => {});
  }
}

/** A nonce meeting `target` (nano-dev thresholds: about a thousand tries). */
export function findWork(hash: string, target: bigint): string {
  const root = hexToBytes(hash);
  for (let n = BigInt(Math.floor(Math.random() * 2 ** 40)); ; n++) {
    if (workValue(root, n) >= target) return n.toString(16).padStart(16, '0');
  }
}

export function findInvalid(hash: string, target: bigint): string {
  const root = hexToBytes(hash);
  for (let n = 1n; ; n++) {
    if (workValue(root, n) < target) return n.toString(16).padStart(16, '0');
  }
}
