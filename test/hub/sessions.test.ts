import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { connect, type MqttClient } from 'mqtt';
import { SessionFile } from '../../lib/hub/sessions.js';
import type { Powgate } from '../../lib/server.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { findWork, freePort, randomAccount } from './helpers.js';

// DPoW's work client connects with clean session 0, subscribes once, and after
// a reconnect never subscribes again (amqtt ignores CONNACK's session-present
// flag): a hub that forgets sessions when it restarts leaves it connected and
// deaf. Found running the unmodified client against a powgate hub.

const until = async (check: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('hub: persistent MQTT sessions survive a restart of powgate', function () {
  this.timeout(30_000);
  let dir: string;
  let gate: Powgate | undefined;
  let client: MqttClient | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'powgate-sessions-'));
  });
  afterEach(async () => {
    await client?.endAsync(true).catch(() => {});
    client = undefined;
    await gate?.close();
    gate = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a client with clean session 0 that does not subscribe again still gets work after the restart, and its result answers', async () => {
    const port = await freePort();
    const config = {
      backends: { hub: { type: 'hub', broker: 'embedded', listen: `127.0.0.1:${port}`, heartbeat_interval: '100ms' } },
      tiers: [{ backends: ['hub'] }],
      precache: { enabled: false },
      ledger: { data_dir: dir },
    };
    gate = await startTestPowgate(config);
    const account = randomAccount();
    const received: string[] = [];
    // As amqtt does for the DPoW client: a fixed client id, clean session 0, no resubscribe of its own.
    const c = connect(`mqtt://127.0.0.1:${port}`, {
      clientId: `dpow-like-${account.slice(-8)}`,
      clean: false,
      resubscribe: false,
      reconnectPeriod: 100,
      username: 'client',
      password: 'client',
    });
    client = c;
    const connacks: boolean[] = [];
    c.on('connect', (connack) => connacks.push(connack.sessionPresent));
    c.on('message', (topic, payload) => {
      const text = payload.toString();
      received.push(`${topic} ${text}`);
      if (topic === 'work/ondemand') {
        const [hash, difficulty] = text.split(',') as [string, string];
        c.publish('result/ondemand', `${hash},${findWork(hash, BigInt(`0x${difficulty}`))},${account}`);
      }
    });
    await until(() => connacks.length === 1, 'the first connection');
    await c.subscribeAsync({ heartbeat: { qos: 0 }, 'work/#': { qos: 0 }, 'cancel/#': { qos: 1 }, [`client/${account}`]: { qos: 1 } });

    await gate.close();
    gate = undefined;
    expect(JSON.parse(readFileSync(join(dir, 'hub-hub.sessions.json'), 'utf8')).sessions).to.have.length(1);
    gate = await startTestPowgate(config);
    await until(() => connacks.length === 2, 'the reconnection');
    expect(connacks).to.deep.equal([false, true]);
    received.length = 0;
    await until(() => received.some((m) => m === 'heartbeat '), 'a heartbeat after the restart');
    const root = randomRoot();
    const { json } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
    expect(json.work, JSON.stringify(json)).to.match(/^[0-9a-f]{16}$/);
    await until(() => received.some((m) => m.startsWith(`client/${account} `)), 'the credit');
  });

  it('a client that connects with a clean session drops what was kept for its id', async () => {
    const file = new SessionFile({ path: join(dir, 's.json'), maxSessions: 10 });
    file.subscribed('a', [{ topic: 'work/#', qos: 0 }]);
    file.subscribed('b', [{ topic: 'heartbeat', qos: 0 }]);
    file.forget('a');
    await file.flush();
    const again = await new SessionFile({ path: join(dir, 's.json'), maxSessions: 10 }).load();
    expect(again).to.deep.equal([{ id: 'b', subscriptions: [{ topic: 'heartbeat', qos: 0 }] }]);
  });

  it('is bounded: the least recently connected session goes first, and the broker is told', async () => {
    let now = 0;
    const evicted: string[] = [];
    const file = new SessionFile({ path: join(dir, 's.json'), maxSessions: 2, now: () => now, onEvict: (id) => evicted.push(id) });
    for (const id of ['a', 'b']) {
      now++;
      file.subscribed(id, [{ topic: 'work/#', qos: 0 }]);
    }
    now++;
    file.connected('a');
    now++;
    file.subscribed('c', [{ topic: 'work/#', qos: 0 }]);
    expect(evicted).to.deep.equal(['b']);
    await file.flush();
    expect((await new SessionFile({ path: join(dir, 's.json'), maxSessions: 1 }).load()).map((s) => s.id)).to.deep.equal(['c']);
  });

  it('reads a damaged file as no sessions and says so, and keeps only well-formed entries', async () => {
    const path = join(dir, 's.json');
    const errors: unknown[] = [];
    writeFileSync(path, '{"sessions": [');
    expect(await new SessionFile({ path, maxSessions: 10, onError: (e) => errors.push(e) }).load()).to.deep.equal([]);
    expect(errors).to.have.length(1);
    writeFileSync(
      path,
      JSON.stringify({
        sessions: [
          {
            id: 'ok',
            seen: 1,
            subscriptions: [
              ['work/#', 0],
              ['bad', 7],
              [42, 0],
            ],
          },
          { id: '', subscriptions: [['x', 0]] },
          { id: 'none', subscriptions: [] },
          'junk',
        ],
      }),
    );
    expect(await new SessionFile({ path, maxSessions: 10 }).load()).to.deep.equal([{ id: 'ok', subscriptions: [{ topic: 'work/#', qos: 0 }] }]);
  });
});
