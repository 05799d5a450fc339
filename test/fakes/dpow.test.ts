import { expect } from 'chai';
import { dpowServiceChecks, openSocket, postService } from '../helpers/dpow-service-checks.js';
import { randomRoot } from '../helpers/powgate.js';
import { FakeDpow } from './dpow.js';

// The fake is only as useful as it is faithful: the shared checks pin the
// server behaviours the dpow backend is written against (spec
// distributed-pow.md §1), and powgate's own service API passes the same ones.
// Below them, the server's quirks only the fake keeps.

const DEV = 0xffc0000000000000n;

dpowServiceChecks('fake DPoW server', async (options) => {
  const fake = await new FakeDpow({
    difficulty: DEV,
    secondMs: 100,
    ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
    ...(options.heartbeat === undefined ? {} : { heartbeat: options.heartbeat, heartbeatTimeout: options.heartbeat }),
  }).start();
  return {
    url: fake.url,
    wsUrl: fake.wsUrl,
    user: 'svc',
    key: 'key',
    secondMs: 100,
    difficulty: DEV,
    latency: (ms) => fake.behave('valid', ms),
    close: () => fake.close(),
  };
});

describe('fake DPoW server: quirks of the real one', () => {
  let fake: FakeDpow;
  const ok = { user: 'svc', api_key: 'key' };
  beforeEach(async () => {
    fake = await new FakeDpow({ difficulty: DEV, secondMs: 20 }).start();
  });
  afterEach(() => fake.close());

  it('hands the pending marker "0" to the other waiters of a shared wait that timed out', async () => {
    fake.behave('valid', 200);
    const root = randomRoot();
    const short = postService(fake.url, { ...ok, hash: root, timeout: 1 });
    const long = postService(fake.url, { ...ok, hash: root, timeout: 8 });
    expect((await short).json.timeout).to.equal(true);
    expect((await long).json).to.deep.equal({ work: '0', hash: root });
  });

  it('counts frames pipelined behind a request in progress', async () => {
    fake.behave('valid', 50);
    const ws = await openSocket(fake.wsUrl);
    let replies = 0;
    ws.on('message', () => replies++);
    ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 1 }));
    ws.send(JSON.stringify({ ...ok, hash: randomRoot(), id: 2 }));
    await fake.waitFor(() => replies === 2);
    expect(fake.pipelined).to.equal(1);
    ws.close();
  });

  it('drops a socket whose pong is not seen, and counts it', async () => {
    await fake.close();
    fake = await new FakeDpow({ difficulty: DEV, heartbeat: 30, heartbeatTimeout: 30 }).start();
    const ws = await openSocket(fake.wsUrl, { autoPong: false });
    await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    expect(fake.heartbeatDrops).to.equal(1);
  });

  it('answers nothing before its next read to a client ping sent mid-request', async () => {
    fake.behave('valid', 150);
    const ws = await openSocket(fake.wsUrl);
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
