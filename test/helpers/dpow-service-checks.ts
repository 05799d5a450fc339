import { expect } from 'chai';
import WebSocket from 'ws';
import { randomRoot } from './powgate.js';

/**
 * What a DPoW service API must do (spec distributed-pow.md §1), as checks that
 * run against any server that offers one: the fake the dpow backend is tested
 * against (test/fakes/dpow.ts) and powgate's own POST /service/ and
 * /service_ws/ (test/services/dpow-api.test.ts). The same checks hold both.
 */
export interface DpowServiceTarget {
  readonly url: string;
  readonly wsUrl: string;
  /** A service the server knows. */
  readonly user: string;
  readonly key: string;
  /** One of the request's `timeout` seconds, in ms (the fake shrinks it). */
  readonly secondMs: number;
  /** The difficulty its work meets at least. */
  readonly difficulty: bigint;
  /** From now on workers answer after `ms`. */
  latency(ms: number): void;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Requests a second per service (delayed, not refused, within the server's bound). */
  readonly throttle?: number;
  /** Websocket heartbeat (ms): ping, and a socket that does not pong is dropped. */
  readonly heartbeat?: number;
}

const ACCOUNT = 'nano_1111111111111111111111111111111111111111111111111111hifc8npp';
export const UNKNOWN_ERROR = /^Unknown error, please report the following timestamp to the maintainers: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/;

export async function postService(url: string, body: unknown, path = '/service/'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function meetsHex(work: unknown): boolean {
  return typeof work === 'string' && /^[0-9a-f]{16}$/.test(work);
}

export function dpowServiceChecks(title: string, start: (options: TargetOptions) => Promise<DpowServiceTarget>): void {
  describe(`${title}: the DPoW service API checks`, function () {
    this.timeout(20_000);
    let target: DpowServiceTarget;
    let ok: { user: string; api_key: string };
    const open: WebSocket[] = [];
    const restart = async (options: TargetOptions): Promise<void> => {
      await target.close();
      target = await start(options);
      ok = { user: target.user, api_key: target.key };
    };
    beforeEach(async () => {
      target = await start({});
      ok = { user: target.user, api_key: target.key };
    });
    afterEach(async () => {
      for (const ws of open.splice(0)) ws.terminate();
      await target.close();
    });
    const socket = async (options: WebSocket.ClientOptions = {}): Promise<WebSocket> => {
      const ws = await openSocket(target.wsUrl, options);
      open.push(ws);
      return ws;
    };

    it('checks in the server order, with its exact strings, always over HTTP 200', async () => {
      const cases: Array<[unknown, string | RegExp]> = [
        ['not json', 'Bad request (not json)'],
        [[1, 2], 'Bad request (not json)'],
        [{ user: ok.user, hash: randomRoot() }, 'Incorrect submission. Required information: user, api_key, hash'],
        [{ user: ok.user, api_key: 'nope', hash: 'zz' }, 'Invalid credentials'],
        [{ user: 'who', api_key: ok.api_key, hash: randomRoot() }, 'Invalid credentials'],
        [{ ...ok, hash: 'zz', multiplier: 'x' }, 'Multiplier must be a float'],
        [{ ...ok, hash: 'zz', multiplier: '-2' }, 'Bad request (not json)'],
        [{ ...ok, hash: 'zz', account: 'bad' }, 'Invalid hash'],
        [{ ...ok, hash: randomRoot(), account: 'nano_bad' }, 'Invalid account'],
        [{ ...ok, hash: randomRoot(), account: ACCOUNT, difficulty: 'fffffff8' }, 'Difficulty too low'],
        [{ ...ok, hash: randomRoot(), difficulty: 7 }, UNKNOWN_ERROR],
        [{ ...ok, hash: randomRoot(), timeout: '5.5' }, 'Timeout must be an integer between 1 and 30'],
        [{ ...ok, hash: randomRoot(), timeout: 31 }, 'Timeout must be an integer between 1 and 30'],
      ];
      for (const [body, error] of cases) {
        const { status, json } = await postService(target.url, body);
        expect(status).to.equal(200);
        if (typeof error === 'string') expect(json.error, JSON.stringify(body)).to.equal(error);
        else expect(json.error, JSON.stringify(body)).to.match(error);
      }
    });

    it('answers work with the hash upper-cased, echoing id only when truthy', async () => {
      const root = randomRoot().toLowerCase();
      const first = await postService(target.url, { ...ok, hash: root, id: 7, difficulty: 'ffffffffffffffff', account: ACCOUNT.replace('nano_', 'xrb_') });
      expect(first.json).to.have.keys('work', 'hash', 'id');
      expect(first.json.hash).to.equal(root.toUpperCase());
      expect(first.json.id).to.equal(7);
      expect(meetsHex(first.json.work)).to.equal(true);
      for (const id of [0, '', false, null]) {
        expect((await postService(target.url, { ...ok, hash: root, id })).json).to.not.have.property('id');
      }
      expect((await postService(target.url, { ...ok, hash: 'zz', id: 'x' })).json).to.deep.equal({ error: 'Invalid hash', id: 'x' });
    });

    it('times out with `timeout: true`, keeps the late result, and the next ask gets it at once', async () => {
      target.latency(target.secondMs * 1.5);
      const root = randomRoot();
      const first = await postService(target.url, { ...ok, hash: root, timeout: 1, id: 3 });
      expect(first.json).to.deep.equal({ error: 'Timeout reached without work', timeout: true, id: 3 });
      await new Promise((r) => setTimeout(r, target.secondMs));
      const started = Date.now();
      const second = await postService(target.url, { ...ok, hash: root, timeout: 1 });
      expect(meetsHex(second.json.work), JSON.stringify(second.json)).to.equal(true);
      expect(Date.now() - started).to.be.below(target.secondMs * 0.5 + 200);
    });

    it('redirects /service to /service/ and answers /upcheck/', async () => {
      expect((await postService(target.url, { ...ok, hash: randomRoot() }, '/service')).status).to.equal(308);
      expect(await (await fetch(`${target.url}/upcheck/`)).text()).to.equal('up');
    });

    it('serves a websocket one request at a time, in order; bad frames get the generic error without id', async () => {
      target.latency(50);
      const ws = await socket();
      const replies: Array<Record<string, unknown>> = [];
      ws.on('message', (data) => replies.push(JSON.parse(data.toString()) as Record<string, unknown>));
      const started = Date.now();
      ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 1 }));
      ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 2 }));
      ws.send('{"broken');
      ws.send(JSON.stringify({ ...ok, hash: 'zz', multiplier: -1, id: 3 }));
      ws.send(JSON.stringify({ ...ok, hash: 'zz', id: 4 }));
      await until(() => replies.length === 5);
      // One at a time: the second work waited for the first.
      expect(Date.now() - started).to.be.at.least(90);
      expect(replies.map((r) => r.id)).to.deep.equal([1, 2, undefined, undefined, 4]);
      expect(meetsHex(replies[0]?.work) && meetsHex(replies[1]?.work)).to.equal(true);
      expect(replies[2]?.error).to.match(UNKNOWN_ERROR);
      expect(replies[3]?.error).to.match(UNKNOWN_ERROR);
      expect(replies[4]?.error).to.equal('Invalid hash');
    });

    it('closes a websocket with 1009 on a frame over 2048 bytes', async () => {
      const ws = await socket();
      const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
      ws.send(JSON.stringify({ ...ok, hash: randomRoot(), pad: 'x'.repeat(2100) }));
      expect(await code).to.equal(1009);
    });

    it('pings after its heartbeat and drops a socket that never pongs', async () => {
      await restart({ heartbeat: 40 });
      // autoPong off: this client never answers the server's pings.
      const ws = await socket({ autoPong: false });
      let pings = 0;
      ws.on('ping', () => pings++);
      await new Promise<void>((resolve) => ws.once('close', () => resolve()));
      expect(pings).to.be.at.least(1);
    });

    it('delays requests over its per-service throttle instead of refusing them', async () => {
      await restart({ throttle: 4 });
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 8 }, () => postService(target.url, { ...ok, hash: randomRoot() })));
      for (const a of answers) expect(meetsHex(a.json.work), JSON.stringify(a.json)).to.equal(true);
      expect(Date.now() - started).to.be.at.least(900);
    });
  });
}
