import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { hashKey } from '../../lib/services/keys.js';
import { MemoryServiceStore } from '../../lib/services/memory-store.js';
import { FakeNodeRpc } from '../fakes/node-rpc.js';
import { captureLogs, randomRoot, startTestPowgate, type TestConfig } from '../helpers/powgate.js';

const KEY = 'wallet-key-0123456789abcdef';
const OTHER = 'other-key-0123456789abcdef';
const REQUIRED = 'An API key is required (rpc.auth: required): send Authorization: Bearer <key>, or a "key" field in the body';

async function post(url: string, body: unknown, key?: string): Promise<{ json: Record<string, string>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { json: (await res.json()) as Record<string, string>, headers: res.headers };
}

describe('rpc.auth: services on the RPC port', function () {
  this.timeout(20_000);
  let pg: Powgate | undefined;
  let node: FakeNodeRpc | undefined;
  afterEach(async () => {
    await pg?.close();
    await node?.close();
    pg = undefined;
    node = undefined;
  });
  const start = async (auth: string, t: TestConfig = {}, svc: Record<string, unknown> = {}, store?: MemoryServiceStore): Promise<Powgate> => {
    node = await new FakeNodeRpc().start();
    node.answers.set('account_info', '{\n    "frontier": "x"\n}\n');
    node.answers.set('account_get', '{\n    "account": "nano_x"\n}\n');
    pg = await startTestPowgate(
      {
        node: { rpc: node.url },
        rpc: { auth, allow: ['account_info', 'account_get'] },
        services: { wallet: { key: KEY, rate: 0, ...svc } },
        ...t,
      },
      undefined,
      // A store of its own: the test processes' shared ledger directory would carry use from test to test.
      { serviceStore: store ?? new MemoryServiceStore() },
    );
    return pg;
  };
  const work = (extra: Record<string, unknown> = {}) => ({ action: 'work_generate', hash: randomRoot(), difficulty: 'f000000000000000', ...extra });

  it('off (the default): keys are neither asked for nor read, and a `key` field reaches the node as written', async () => {
    const gate = await start('off');
    expect((await post(gate.url, work())).json.work).to.be.a('string');
    expect((await post(gate.url, work({ key: 'whatever' }), 'nonsense')).json.work).to.be.a('string');
    const raw = '{"action":"account_info","account":"nano_1","key":"k"}';
    await post(gate.url, raw);
    expect(node?.received).to.deep.equal([raw]);
    expect(gate.services.byName('wallet')?.counts.requests).to.equal(0);
  });

  it('required: no key, a wrong key and a key twice are refused; Bearer or a `key` field is its service', async () => {
    const gate = await start('required');
    expect((await post(gate.url, work())).json).to.deep.equal({ error: REQUIRED });
    // The action read as the handler reads it: a number is an action too, and needs a key.
    expect((await post(gate.url, { action: 5 })).json).to.deep.equal({ error: REQUIRED });
    expect((await post(gate.url, work(), OTHER)).json).to.deep.equal({ error: 'Invalid API key' });
    expect((await post(gate.url, work({ key: OTHER }))).json).to.deep.equal({ error: 'Invalid API key' });
    expect((await post(gate.url, work({ key: 7 }))).json).to.deep.equal({ error: 'Invalid API key' });
    const twice = `{"action":"work_generate","hash":"${randomRoot()}","key":"${KEY}","k\\u0065y":"${OTHER}"}`;
    expect((await post(gate.url, twice)).json.error).to.equal(
      "Request has the key 'key' twice in one object: the node reads the first, so powgate forwards no such body",
    );
    const viaHeader = await post(gate.url, work(), KEY);
    expect(viaHeader.json.work).to.be.a('string');
    expect((await post(gate.url, work({ key: KEY }))).json.work).to.be.a('string');
    const counts = gate.services.byName('wallet')?.counts;
    expect(counts?.requests).to.equal(2);
    expect(counts?.works.get('local')).to.equal(2);
  });

  it('never takes the `key` of an action whose own `key` the node reads; the body is forwarded unchanged', async () => {
    const gate = await start('required');
    const raw = `{"action":"account_get","key":"${KEY}"}`;
    expect((await post(gate.url, raw)).json).to.deep.equal({ error: REQUIRED });
    expect(node?.received).to.deep.equal([]);
    expect((await post(gate.url, raw, KEY)).json).to.deep.equal({ account: 'nano_x' });
    expect(node?.received).to.deep.equal([raw]);
  });

  it('optional: no key is anonymous; a key must be good, and counts for its service', async () => {
    const gate = await start('optional');
    expect((await post(gate.url, work())).json.work).to.be.a('string');
    expect((await post(gate.url, work(), OTHER)).json).to.deep.equal({ error: 'Invalid API key' });
    expect((await post(gate.url, { action: 'account_info', account: 'nano_1' }, KEY)).json).to.deep.equal({ frontier: 'x' });
    expect(gate.services.byName('wallet')?.counts.requests).to.equal(1);
  });

  it('exempt addresses need no key, even under required', async () => {
    const gate = await start('required', { rpc: { auth: 'required', auth_exempt: ['127.0.0.0/8'], allow: ['account_info'] } });
    expect((await post(gate.url, work())).json.work).to.be.a('string');
  });

  it('refuses an action the service may not call', async () => {
    const gate = await start('required', {}, { actions: ['work_generate'] });
    expect((await post(gate.url, { action: 'account_info', account: 'nano_1' }, KEY)).json).to.deep.equal({
      error: "Action 'account_info' is not among this service's allowed actions",
    });
    expect(node?.received).to.deep.equal([]);
  });

  it('delays requests over the rate up to max_delay, and refuses past it', async () => {
    const gate = await start('required', {}, { rate: 2, burst: 2, max_delay: '0s' });
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(gate.url, work(), KEY)));
    const refused = answers.filter((a) => a.json.error !== undefined);
    expect(refused.length).to.equal(2);
    expect(refused[0]?.json.error).to.equal("Too many requests: over this service's rate limit (requests/s and burst); retry later");
    await pg?.close();
    await node?.close();
    const patient = await start('required', {}, { rate: 4, burst: 1, max_delay: '2s' });
    const started = Date.now();
    const all = await Promise.all(Array.from({ length: 4 }, () => post(patient.url, work(), KEY)));
    for (const a of all) expect(a.json.work).to.be.a('string');
    expect(Date.now() - started).to.be.at.least(700);
  });

  it('a daily quota counts works from any source but the cache', async () => {
    const gate = await start('required', {}, { daily_quota: 2 });
    const first = work();
    expect((await post(gate.url, first, KEY)).json.work).to.be.a('string');
    expect((await post(gate.url, first, KEY)).headers.get('x-powgate-source')).to.equal('cache');
    expect((await post(gate.url, work(), KEY)).json.work).to.be.a('string');
    expect((await post(gate.url, work(), KEY)).json).to.deep.equal({ error: "This service's daily quota of works is used up; it renews at 00:00 UTC" });
    const entry = gate.services.byName('wallet');
    expect(gate.services.usedToday(entry as NonNullable<typeof entry>)).to.equal(2);
    expect(entry?.counts.refused.quota).to.equal(1);
  });

  it('prepaid credits: one per work not from the cache, taken off the stored balance', async () => {
    const store = new MemoryServiceStore();
    await store.add({ name: 'prepaid', keyHash: hashKey(OTHER), public: false, rate: 0, burst: 1, maxDelay: 0, credits: 2 });
    const gate = await start('required', {}, {}, store);
    const first = work();
    expect((await post(gate.url, first, OTHER)).json.work).to.be.a('string');
    expect((await post(gate.url, first, OTHER)).json.work).to.be.a('string');
    expect((await post(gate.url, work(), OTHER)).json.work).to.be.a('string');
    expect((await post(gate.url, work(), OTHER)).json).to.deep.equal({ error: 'This service has no credits left' });
    await gate.services.sync();
    expect((await store.load('2000-01-01')).find((s) => s.name === 'prepaid')?.credits).to.equal(0);
  });

  it('never shows a key in logs, metrics, /api/status or the dashboard', async () => {
    const logs = captureLogs('trace');
    node = await new FakeNodeRpc().start();
    pg = await startTestPowgate(
      { node: { rpc: node.url }, rpc: { auth: 'required', allow: ['account_info'] }, services: { wallet: { key: KEY } }, log: { level: 'trace' } },
      undefined,
      { logger: logs.logger },
    );
    await post(pg.url, work(), KEY);
    await post(pg.url, work({ key: KEY }));
    await post(pg.url, work(), `${KEY}x`);
    await post(pg.url, { action: 'account_info', key: KEY });
    const shown = [
      logs.lines.join('\n'),
      await (await fetch(`${pg.url}/metrics`)).text(),
      await (await fetch(`${pg.url}/api/status`)).text(),
      await (await fetch(`${pg.url}/dashboard`)).text(),
    ].join('\n');
    expect(shown).to.include('wallet');
    expect(shown).to.not.include(KEY);
    expect(shown).to.not.include(hashKey(KEY));
  });
});
