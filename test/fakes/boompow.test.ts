import { expect } from 'chai';
import { boompowThreshold } from '../../lib/backends/boompow-multiplier.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import { randomRoot } from '../helpers/powgate.js';
import { FakeBoompow } from './boompow.js';

// Pins the BoomPoW v2 behaviours the boompow backend is written against (spec distributed-pow.md §3).

const TOKEN = 'service:11111111-2222-4333-8444-555555555555';
const DENIED = 'service:99999999-2222-4333-8444-555555555555';
const BASE = 0xf000000000000000n;
const MUTATION =
  'mutation W($hash: String!, $multiplier: Int!, $award: Boolean) { workGenerate(input: {hash: $hash, difficultyMultiplier: $multiplier, blockAward: $award}) }';

async function call(fake: FakeBoompow, init: { body?: unknown; auth?: string; type?: string; method?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': init.type ?? 'application/json' };
  if (init.auth !== undefined) headers.authorization = init.auth;
  const res = await fetch(fake.url, {
    method: init.method ?? 'POST',
    headers,
    ...(init.method === 'GET' ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body ?? {}) }),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** `auth: null` sends no Authorization header. */
const ask = (fake: FakeBoompow, hash: string, multiplier: unknown, auth: string | null = TOKEN) =>
  call(fake, { body: { query: MUTATION, variables: { hash, multiplier, award: true } }, ...(auth === null ? {} : { auth }) });

describe('fake BoomPoW server', () => {
  let fake: FakeBoompow;
  beforeEach(async () => {
    fake = await new FakeBoompow({ tokens: [TOKEN, DENIED], denied: [DENIED], base: BASE, timeoutMs: 30, rateLimit: 2 }).start();
  });
  afterEach(() => fake.close());

  it("answers work at the clamped multiplier; the threshold follows BoomPoW's formula", async () => {
    for (const [asked, used] of [
      [0, 1],
      [8, 8],
      [800, 64],
    ] as const) {
      const root = randomRoot();
      const { status, text } = await ask(fake, root, asked);
      expect(status).to.equal(200);
      const work = (JSON.parse(text) as { data: { workGenerate: string } }).data.workGenerate;
      expect(workValue(hexToBytes(root), BigInt(`0x${work}`)) >= boompowThreshold(used, BASE)).to.equal(true);
      expect(fake.calls.at(-1)?.multiplier).to.equal(used);
    }
  });

  it('refuses an unknown token with HTTP 403 text/plain, and denies unauthenticated or unprivileged callers', async () => {
    const refused = await ask(fake, randomRoot(), 1, 'service:00000000-0000-4000-8000-000000000000');
    expect(refused).to.deep.equal({ status: 403, type: 'text/plain; charset=utf-8', text: '{"errors":[{"message":"Invalid token"}],"data":null}\n' });
    expect((await ask(fake, randomRoot(), 1, 'eyJhbGciOiJIUzI1NiJ9.e30.x')).status).to.equal(403);
    for (const auth of [null, DENIED]) {
      const denied = await ask(fake, randomRoot(), 1, auth);
      expect(denied.status).to.equal(200);
      expect(JSON.parse(denied.text)).to.deep.equal({ errors: [{ message: 'access denied', path: ['workGenerate'] }], data: null });
    }
  });

  it('rate-limits unauthenticated callers by IP, never a service token', async () => {
    for (let i = 0; i < 5; i++) expect((await ask(fake, randomRoot(), 1)).status).to.equal(200);
    // DENIED passes the token check but not authentication, so the IP limit applies.
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask(fake, randomRoot(), 1, DENIED)).status);
    expect(statuses.slice(-2)).to.deep.equal([429, 429]);
  });

  it('checks variable types (422) and the hash, and takes inline literals too', async () => {
    const float = await ask(fake, randomRoot(), 1.5);
    expect(float.status).to.equal(422);
    expect(JSON.parse(float.text).errors[0]).to.deep.include({ path: ['variable', 'multiplier'], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const bad = await ask(fake, 'zz', 1);
    expect(JSON.parse(bad.text).errors[0].message).to.equal('bad_request:invalid hash');
    const root = randomRoot();
    const inline = await call(fake, {
      auth: TOKEN,
      body: { query: `mutation { workGenerate(input: { hash: "${root}", difficultyMultiplier: 2, blockAward: false }) }` },
    });
    expect(JSON.parse(inline.text).data.workGenerate).to.match(/^[0-9a-f]{16}$/);
    expect(fake.calls.at(-1)?.input).to.deep.equal({ hash: root, difficultyMultiplier: 2, blockAward: false });
  });

  it('speaks JSON over POST only', async () => {
    expect((await call(fake, { auth: TOKEN, type: 'text/plain', body: { query: MUTATION } })).status).to.equal(400);
    expect((await call(fake, { auth: TOKEN, method: 'GET' })).status).to.equal(406);
  });

  it('times out with `timeout`, and its cache answers without checking difficulty (case-preserving)', async () => {
    fake.behave('timeout');
    expect(JSON.parse((await ask(fake, randomRoot(), 1)).text).errors[0].message).to.equal('timeout');
    fake.behave('valid');
    const root = randomRoot();
    const low = JSON.parse((await ask(fake, root, 1)).text).data.workGenerate as string;
    expect(JSON.parse((await ask(fake, root, 64)).text).data.workGenerate).to.equal(low);
    expect(JSON.parse((await ask(fake, root.toLowerCase(), 64)).text).data.workGenerate).to.not.equal(low);
  });
});
