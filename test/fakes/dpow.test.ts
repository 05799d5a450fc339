import { expect } from 'chai';
import WebSocket from 'ws';
import { randomRoot } from '../helpers/powgate.js';
import { FakeDpow } from './dpow.js';

// The fake is only as useful as it is faithful: these pin the server
// behaviours the dpow backend is written against (spec distributed-pow.md §1).

const ACCOUNT = 'nano_1111111111111111111111111111111111111111111111111111hifc8npp';
const UNKNOWN = /^Unknown error, please report the following timestamp to the maintainers: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;

async function post(fake: FakeDpow, body: unknown, path = '/service/'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function socket(fake: FakeDpow): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(fake.wsUrl);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('fake DPoW server', () => {
  let fake: FakeDpow;
  const ok = { user: 'svc', api_key: 'key' };
  beforeEach(async () => {
    fake = await new FakeDpow({ difficulty: 0xffc0000000000000n, secondMs: 20 }).start();
  });
  afterEach(() => fake.close());

  it('checks in the server order, with its exact strings, always over HTTP 200', async () => {
    const cases: Array<[unknown, string | RegExp]> = [
      ['not json', 'Bad request (not json)'],
      [[1, 2], 'Bad request (not json)'],
      [{ user: 'svc', hash: randomRoot() }, 'Incorrect submission. Required information: user, api_key, hash'],
      [{ user: 'svc', api_key: 'nope', hash: 'zz' }, 'Invalid credentials'],
      [{ user: 'who', api_key: 'key', hash: randomRoot() }, 'Invalid credentials'],
      [{ ...ok, hash: 'zz', multiplier: 'x' }, 'Multiplier must be a float'],
      [{ ...ok, hash: 'zz', multiplier: '-2' }, 'Bad request (not json)'],
      [{ ...ok, hash: 'zz', account: 'bad' }, 'Invalid hash'],
      [{ ...ok, hash: randomRoot(), account: 'nano_bad' }, 'Invalid account'],
      [{ ...ok, hash: randomRoot(), account: ACCOUNT, difficulty: 'fffffff8' }, 'Difficulty too low'],
      [{ ...ok, hash: randomRoot(), difficulty: 7 }, UNKNOWN],
      [{ ...ok, hash: randomRoot(), timeout: '5.5' }, 'Timeout must be an integer between 1 and 30'],
      [{ ...ok, hash: randomRoot(), timeout: 31 }, 'Timeout must be an integer between 1 and 30'],
    ];
    for (const [body, error] of cases) {
      const { status, json } = await post(fake, body);
      expect(status).to.equal(200);
      if (typeof error === 'string') expect(json.error, JSON.stringify(body)).to.equal(error);
      else expect(json.error, JSON.stringify(body)).to.match(error);
    }
  });

  it('answers work at its own difficulty with the hash upper-cased, echoing id only when truthy', async () => {
    const root = randomRoot().toLowerCase();
    const first = await post(fake, { ...ok, hash: root, id: 7, difficulty: 'ffffffffffffffff', account: ACCOUNT.replace('nano_', 'xrb_') });
    expect(first.json).to.have.keys('work', 'hash', 'id');
    expect(first.json.hash).to.equal(root.toUpperCase());
    expect(first.json.work).to.match(/^[0-9a-f]{16}$/);
    for (const id of [0, '', false, null]) {
      expect((await post(fake, { ...ok, hash: root, id })).json).to.not.have.property('id');
    }
    expect((await post(fake, { ...ok, hash: 'zz', id: 'x' })).json).to.deep.equal({ error: 'Invalid hash', id: 'x' });
  });

  it('times out with `timeout: true`, keeps the late result, and the next ask gets it at once', async () => {
    fake.behave('valid', 60);
    const root = randomRoot();
    const first = await post(fake, { ...ok, hash: root, timeout: 1 });
    expect(first.json).to.deep.equal({ error: 'Timeout reached without work', timeout: true });
    await new Promise((r) => setTimeout(r, 80));
    const started = Date.now();
    const second = await post(fake, { ...ok, hash: root, timeout: 1 });
    expect(second.json.work).to.match(/^[0-9a-f]{16}$/);
    expect(Date.now() - started).to.be.below(1000);
  });

  it('hands the pending marker "0" to the other waiters of a shared wait that timed out', async () => {
    fake.behave('valid', 200);
    const root = randomRoot();
    const short = post(fake, { ...ok, hash: root, timeout: 1 });
    const long = post(fake, { ...ok, hash: root, timeout: 8 });
    expect((await short).json.timeout).to.equal(true);
    expect((await long).json).to.deep.equal({ work: '0', hash: root });
  });

  it('redirects /service to /service/ and answers /upcheck/', async () => {
    expect((await post(fake, { ...ok, hash: randomRoot() }, '/service')).status).to.equal(308);
    expect(await (await fetch(`${fake.url}/upcheck/`)).text()).to.equal('up');
  });

  it('serves a websocket one request at a time, in order; bad frames get the generic error without id', async () => {
    fake.behave('valid', 50);
    const ws = await socket(fake);
    const replies: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => replies.push(JSON.parse(data.toString()) as Record<string, unknown>));
    const started = Date.now();
    ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 1 }));
    ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 2 }));
    ws.send('{"broken');
    ws.send(JSON.stringify({ ...ok, hash: 'zz', multiplier: -1, id: 3 }));
    await fake.waitFor(() => replies.length === 4);
    expect(Date.now() - started).to.be.at.least(90);
    expect(replies.map((r) => r.id)).to.deep.equal([1, 2, undefined, undefined]);
    expect(replies[2]?.error).to.match(UNKNOWN);
    expect(replies[3]?.error).to.match(UNKNOWN);
    expect(fake.pipelined).to.equal(3);
    ws.close();
  });

  it('closes a websocket with 1009 on a frame over 2048 bytes', async () => {
    const ws = await socket(fake);
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    ws.send(JSON.stringify({ ...ok, hash: randomRoot(), pad: 'x'.repeat(2100) }));
    expect(await code).to.equal(1009);
  });

  it('pings after its heartbeat and drops a socket whose pong is not seen', async () => {
    await fake.close();
    fake = await new FakeDpow({ difficulty: 0xffc0000000000000n, heartbeat: 30, heartbeatTimeout: 30 }).start();
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      // autoPong off: this client never answers the server's pings.
      const client = new WebSocket(fake.wsUrl, { autoPong: false });
      client.once('open', () => resolve(client));
      client.once('error', reject);
    });
    let pings = 0;
    ws.on('ping', () => pings++);
    await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    expect(pings).to.be.at.least(1);
    expect(fake.heartbeatDrops).to.equal(1);
  });

  it('delays requests over its per-service throttle instead of refusing them', async () => {
    await fake.close();
    fake = await new FakeDpow({ difficulty: 0xffc0000000000000n, throttle: 4 }).start();
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(fake, { ...ok, hash: randomRoot() })));
    for (const a of answers) expect(a.json.work).to.match(/^[0-9a-f]{16}$/);
    expect(Date.now() - started).to.be.at.least(900);
  });

  it('answers nothing before its next read to a client ping sent mid-request', async () => {
    fake.behave('valid', 150);
    const ws = await socket(fake);
    ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 1 }));
    await fake.waitFor(() => fake.calls.length === 1);
    const order: string[] = [];
    ws.on('pong', () => order.push('pong'));
    ws.on('message', () => order.push('reply'));
    ws.ping();
    await fake.waitFor(() => order.length === 2);
    expect(order).to.deep.equal(['reply', 'pong']);
    ws.close();
  });
});
