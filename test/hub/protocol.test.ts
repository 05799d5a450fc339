import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { expect } from 'chai';
import mqttPacket from 'mqtt-packet';
import { mayPublish, maySubscribe, type Session } from '../../lib/hub/acl.js';
import { publishFrame, takeResults, topicMatches, type WireClient } from '../../lib/hub/embedded.js';
import { readResults } from '../../lib/hub/external.js';
import {
  formatClientStats,
  formatResult,
  formatWorkRequest,
  invalidAccountMessage,
  parseResult,
  parseResultBytes,
  parseWorkRequest,
} from '../../lib/hub/protocol.js';
import { WorkerRoster } from '../../lib/hub/roster.js';
import { randomAccount } from './helpers.js';

const HASH = 'BFEB8AA91D346E6EFBB41D11FD247E48E0BC0DBC183DDEB9F26F3A98AA17522F';
const ACCOUNT = 'nano_1dpowzkw9u6annz4z48aixw6oegeqicpozaajtcnjom3tqa3nwrkgsk6twj7';

describe('hub protocol (spec §1.8 payloads)', () => {
  it('writes work as HASH,difficulty: hash upper-case, difficulty 16 lower-case hex', () => {
    expect(formatWorkRequest(HASH.toLowerCase(), 0xfffffff800000000n)).to.equal(`${HASH},fffffff800000000`);
    expect(parseWorkRequest(`${HASH},fffffff800000000`)).to.deep.equal({ hash: HASH, difficulty: 0xfffffff800000000n });
    expect(parseWorkRequest(`${HASH},fffffff8`)).to.equal(undefined);
    expect(parseWorkRequest(HASH)).to.equal(undefined);
  });

  it('reads results as HASH,work,payout_account and refuses anything else', () => {
    expect(formatResult(HASH, 0x3108a2891093ce9en, ACCOUNT)).to.equal(`${HASH},3108a2891093ce9e,${ACCOUNT}`);
    expect(parseResult(`${HASH},3108a2891093ce9e,${ACCOUNT}`)).to.deep.equal({ ok: true, hash: HASH, work: 0x3108a2891093ce9en, account: ACCOUNT });
    expect(parseResult(`${HASH.toLowerCase()},3108A2891093CE9E,${ACCOUNT}`)).to.include({ ok: true, hash: HASH });
    expect(parseResult(`${HASH},3108a2891093ce9e`)).to.include({ ok: false });
    expect(parseResult(`${HASH},xyz,${ACCOUNT}`)).to.deep.equal({ ok: false, account: ACCOUNT, reason: 'malformed work' });
    expect(parseResult(`nothash,3108a2891093ce9e,${ACCOUNT}`)).to.deep.equal({ ok: false, account: ACCOUNT, reason: 'malformed hash' });
    expect(parseResult(`${HASH},3108a2891093ce9e,`)).to.deep.equal({ ok: false, reason: 'no payout account' });
    expect(parseResult('x'.repeat(600))).to.include({ ok: false });
    expect(parseResult(`${HASH},3108a2891093ce9e,${ACCOUNT},more`)).to.deep.equal({ ok: false, reason: 'expected HASH,work,payout_account' });
    expect(parseResult(` ${HASH} , 3108a2891093ce9e ,${ACCOUNT}\n`)).to.deep.equal({ ok: true, hash: HASH, work: 0x3108a2891093ce9en, account: ACCOUNT });
  });

  it('reads a result from its bytes exactly as from its text, whatever the bytes', () => {
    const work = '3108a2891093ce9e';
    const payloads = [
      `${HASH},${work},${ACCOUNT}`,
      `${HASH.toLowerCase()},${work.toUpperCase()},${ACCOUNT}`,
      `${HASH.slice(0, 10).toLowerCase()}${HASH.slice(10)},${work},${ACCOUNT}`,
      ` ${HASH},${work},${ACCOUNT} `,
      `${HASH},${work}, ${ACCOUNT}`,
      `${HASH},${work},${ACCOUNT}\n`,
      `${HASH},${work},nano_é${ACCOUNT.slice(6)}`,
      `${HASH},${work},${'x'.repeat(100)}`,
      `${HASH},${work},${'x'.repeat(101)}`,
      `${HASH},${work},`,
      `${HASH},${work},a,b`,
      `${HASH},${work}`,
      `${HASH.slice(1)}Z,${work},${ACCOUNT}`,
      `${HASH},${work.slice(1)}g,${ACCOUNT}`,
      `${HASH},0000000000000000,${ACCOUNT}`,
      `${HASH},ffffffffffffffff,${ACCOUNT}`,
      `${HASH}0,${work},${ACCOUNT}`,
      '',
      ',,',
    ];
    for (const p of payloads) expect(parseResultBytes(Buffer.from(p)), JSON.stringify(p)).to.deep.equal(parseResult(p));
    // Every single-byte change of a valid result, too.
    const valid = Buffer.from(`${HASH},${work},${ACCOUNT}`);
    for (let i = 0; i < valid.length; i++) {
      for (const byte of [0x20, 0x2c, 0x30, 0x61, 0x67, 0x7a, 0xc3]) {
        const b = Buffer.from(valid);
        b[i] = byte;
        expect(parseResultBytes(b), `byte ${i} = ${byte}`).to.deep.equal(parseResult(b.toString('utf8')));
      }
    }
  });

  it("client/{account} messages: counts with block_rewarded, or the spec's error text", () => {
    expect(JSON.parse(formatClientStats({ ondemand: 2, precache: 1 }, HASH))).to.deep.equal({ precache: 1, ondemand: 2, block_rewarded: HASH });
    expect(JSON.parse(invalidAccountMessage('nano_x'))).to.deep.equal({ error: 'Work accepted but account nano_x is invalid' });
  });
});

describe('hub ACL decisions', () => {
  it("a worker claims the first account it names; another account's client/ topic is refused", () => {
    const own = randomAccount();
    const session: Session = { role: 'worker' };
    expect(maySubscribe(session, 'work/#')).to.equal(true);
    expect(maySubscribe(session, `client/${own}`)).to.equal(true);
    expect(maySubscribe(session, `client/${randomAccount()}`)).to.equal(false);
    expect(maySubscribe(session, 'client/+')).to.equal(false);
    expect(mayPublish(session, 'result/ondemand')).to.equal(true);
    expect(mayPublish(session, `presence/${own}`)).to.equal(true);
    expect(mayPublish(session, `presence/${randomAccount()}`)).to.equal(false);
    expect(mayPublish(session, 'work/ondemand')).to.equal(false);
    expect(mayPublish(session, 'cancel/ondemand')).to.equal(false);
    expect(mayPublish({ role: 'server' }, 'work/ondemand')).to.equal(true);
  });
});

describe('worker roster', () => {
  it('counts per worker and type, forgets the least recently seen past its bound, and tells who was seen', () => {
    let now = 1000;
    const roster = new WorkerRoster({ maxWorkers: 2, now: () => now });
    roster.result('a', 'ondemand', 'accepted', 100);
    now += 10;
    roster.result('b', 'precache', 'late');
    now += 10;
    roster.result('a', 'ondemand', 'accepted', 300);
    roster.result('c', 'ondemand', 'invalid');
    expect(roster.size).to.equal(2);
    expect(roster.top(5).map((w) => w.account)).to.deep.equal(['a', 'c']);
    expect(roster.top(1)[0]).to.deep.include({ accepted: { ondemand: 2, precache: 0 }, meanSeconds: 0.2 });
    // b (its late result with it) was forgotten for c.
    expect(roster.top(5).some((w) => w.late.precache > 0)).to.equal(false);
    now += 1000;
    roster.presence('c', false);
    expect(roster.seen(500)).to.equal(0);
    expect(roster.seen(5000)).to.equal(1);
  });
});

describe('embedded broker: direct delivery', () => {
  it('matches topic filters as MQTT does', () => {
    for (const [filter, topic, expected] of [
      ['work/ondemand', 'work/ondemand', true],
      ['work/+', 'work/ondemand', true],
      ['work/#', 'work/ondemand', true],
      ['#', 'work/ondemand', true],
      ['+/ondemand', 'work/ondemand', true],
      ['work/#', 'work', true],
      ['work/+', 'work', false],
      ['work/precache', 'work/ondemand', false],
      ['work', 'work/ondemand', false],
      ['work/ondemand/x', 'work/ondemand', false],
      ['+', 'heartbeat', true],
      ['#', '$SYS/x', false],
    ] as const) {
      expect(topicMatches(filter, topic), `${filter} ~ ${topic}`).to.equal(expected);
    }
  });

  it('writes a QoS 0 PUBLISH byte for byte as mqtt-packet does, short and long', () => {
    for (const [topic, size] of [
      ['work/ondemand', 81],
      ['client/é', 200],
      ['statistics', 20_000],
    ] as const) {
      const payload = Buffer.alloc(size, 'a');
      const expected = mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
      expect(publishFrame(topic, payload).equals(expected), topic).to.equal(true);
    }
  });
});

describe('embedded broker: results read off the socket', () => {
  const frame = (topic: string, payload: string, header = 0x30): Buffer => {
    const bytes = publishFrame(topic, Buffer.from(payload));
    bytes[0] = header;
    return bytes;
  };
  const ping = Buffer.from([0xc0, 0x00]);
  const big = frame('result/ondemand', 'x'.repeat(2000));
  const stream = Buffer.concat([
    ping,
    frame('result/ondemand', 'A,1,nano_a'),
    frame('work/ondemand', 'not a result'),
    frame('result/precache', 'B,2,nano_b', 0x31), // retained: aedes must store it
    big,
    frame('result/precache', 'C,3,nano_c'),
    frame('result/ondemand', 'D,4,nano_d'),
  ]);

  /** Feeds `stream` in chunks cut at `cuts`; returns what was taken and what the parser got, in order. */
  const run = (cuts: number[], refuse: (payload: string) => boolean = () => false): string[] => {
    const seen: string[] = [];
    const parsed: Buffer[] = [];
    const flushParsed = (): void => {
      if (parsed.length > 0) seen.push(`parser:${Buffer.concat(parsed.splice(0)).toString('hex')}`);
    };
    const client = { _parser: { parse: (b: Buffer) => void parsed.push(Buffer.from(b)) } } as unknown as WireClient;
    takeResults(client, (_c, topic, payload) => {
      if (refuse(payload.toString())) return false;
      flushParsed();
      seen.push(`${topic}:${payload.toString()}`);
      return true;
    });
    const parse = (client as unknown as { _parser: { parse(b: Buffer): void } })._parser;
    let at = 0;
    for (const cut of [...cuts, stream.length]) {
      parse.parse(stream.subarray(at, cut));
      at = cut;
    }
    flushParsed();
    return seen;
  };
  const expected = [
    `parser:${ping.toString('hex')}`,
    'result/ondemand:A,1,nano_a',
    `parser:${Buffer.concat([frame('work/ondemand', 'not a result'), frame('result/precache', 'B,2,nano_b', 0x31), big]).toString('hex')}`,
    'result/precache:C,3,nano_c',
    'result/ondemand:D,4,nano_d',
  ];

  it('takes whole QoS 0 results and hands every other byte to the parser in order, however the chunks are cut', () => {
    expect(run([])).to.deep.equal(expected);
    for (let cut = 1; cut < stream.length; cut++) expect(run([cut]), `cut at ${cut}`).to.deep.equal(expected);
    expect(run(Array.from({ length: stream.length - 1 }, (_, i) => i + 1))).to.deep.equal(expected);
  });

  it('a result the hub does not take goes to the parser, in its place', () => {
    const seen = run([7, 40], (payload) => payload.startsWith('C'));
    expect(seen).to.deep.equal([
      ...expected.slice(0, 3).map((s, i) => (i === 2 ? `${s}${frame('result/precache', 'C,3,nano_c').toString('hex')}` : s)),
      'result/ondemand:D,4,nano_d',
    ]);
  });
});

describe('external broker: results read off the connection', () => {
  it('hands results to the hub and every other byte to the pipe mqtt.js makes, in order', async () => {
    const source = new PassThrough();
    const taken: string[] = [];
    readResults(source, (topic, payload) => {
      taken.push(`${topic}:${payload.toString()}`);
      return true;
    });
    const received: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        received.push(Buffer.from(chunk));
        done();
      },
    });
    source.pipe(sink);
    const presence = publishFrame('presence/nano_x', Buffer.from('{"online":true}'));
    const pingresp = Buffer.from([0xd0, 0x00]);
    const bytes = Buffer.concat([
      pingresp,
      publishFrame('result/ondemand', Buffer.from('A,1,nano_a')),
      presence,
      publishFrame('result/precache', Buffer.from('B,2,nano_b')),
    ]);
    // Cut in two mid-result: the framer carries the start over.
    source.write(bytes.subarray(0, 10));
    source.end(bytes.subarray(10));
    await finished(sink);
    expect(taken).to.deep.equal(['result/ondemand:A,1,nano_a', 'result/precache:B,2,nano_b']);
    expect(Buffer.concat(received).equals(Buffer.concat([pingresp, presence]))).to.equal(true);
  });
});
