import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDatabase } from '../../lib/ledger/db.js';
import { hashKey } from '../../lib/services/keys.js';
import { SqlServiceStore } from '../../lib/services/sql-store.js';
import { randomRoot, startTestPowgate } from '../helpers/powgate.js';

describe('powgate services (the CLI)', function () {
  this.timeout(20_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'powgate-services-'));
    file = path.join(dir, 'powgate.yaml');
    writeFileSync(
      file,
      ['rpc: { auth: required }', 'ledger: { data_dir: data }', 'services:', '  fromfile: { key: "file-key-0123456789abcdef", daily_quota: 5 }', ''].join('\n'),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const { runServicesCommand } = await import('../../lib/services/command.js');
    const code = await runServicesCommand(
      [...argv, '--config', file],
      (t) => {
        out += t;
      },
      (t) => {
        err += t;
      },
      {},
    );
    return { code, out, err };
  };
  const keyOf = (out: string): string => {
    const key = out.trim().split('\n').at(-1) ?? '';
    expect(key).to.match(/^pgk_[A-Za-z0-9_-]{43}$/);
    return key;
  };

  it('adds a service and prints its key once; list shows limits, never a key or its hash', async () => {
    const added = await run(
      'add',
      'wallet',
      '--public',
      '--display',
      'My Wallet',
      '--website',
      'https://w.example',
      '--rate',
      '5',
      '--burst',
      '8',
      '--max-delay',
      '500ms',
      '--daily-quota',
      '1000',
      '--credits',
      '20',
      '--actions',
      'work_generate,work_validate',
    );
    expect(added.code, added.err).to.equal(0);
    const key = keyOf(added.out);
    const list = await run('list');
    expect(list.code).to.equal(0);
    expect(list.out).to.match(/wallet \(My Wallet\)\s+database\s+public\s+5\s+8\s+0\.5s\s+0\s+1000\s+20\s+work_generate,work_validate/);
    expect(list.out).to.match(/fromfile\s+config\s+private\s+10\s+20\s+2s\s+0\s+5\s+-\s+all/);
    const json = JSON.parse((await run('list', '--json')).out) as Array<Record<string, unknown>>;
    expect(json.map((s) => s.name)).to.deep.equal(['fromfile', 'wallet']);
    for (const text of [list.out, JSON.stringify(json)]) {
      expect(text).to.not.include(key);
      expect(text).to.not.include(hashKey(key));
    }
    const again = await run('add', 'wallet');
    expect(again.code).to.equal(2);
    expect(again.err).to.include('a service named wallet exists already');
  });

  it('a running powgate picks up an added, rotated, limited and removed service at its next sync', async () => {
    const key = keyOf((await run('add', 'app', '--rate', '0')).out);
    const db = await openDatabase({ dataDir: path.join(dir, 'data') });
    const gate = await startTestPowgate({ rpc: { auth: 'required' } }, undefined, { serviceStore: await SqlServiceStore.open(db) });
    const ask = async (k: string): Promise<Record<string, string>> =>
      (
        await fetch(gate.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${k}` },
          body: JSON.stringify({ action: 'work_generate', hash: randomRoot(), difficulty: 'f000000000000000' }),
        })
      ).json() as Promise<Record<string, string>>;
    const works = async (k: string): Promise<void> => {
      const answer = await ask(k);
      expect(answer.work, JSON.stringify(answer)).to.be.a('string');
    };
    try {
      await works(key);
      const rotated = keyOf((await run('rotate', 'app')).out);
      await gate.services.sync();
      expect((await ask(key)).error).to.equal('Invalid API key');
      await works(rotated);
      // Written first: use not yet written when a balance is set would be taken off the new balance.
      await gate.services.sync();
      expect((await run('limit', 'app', '--credits', '1')).code).to.equal(0);
      await gate.services.sync();
      await works(rotated);
      expect((await ask(rotated)).error).to.equal('This service has no credits left');
      await gate.services.sync();
      expect((await run('limit', 'app', '--add-credits', '2')).code).to.equal(0);
      await gate.services.sync();
      await works(rotated);
      expect((await run('remove', 'app')).code).to.equal(0);
      await gate.services.sync();
      expect((await ask(rotated)).error).to.equal('Invalid API key');
    } finally {
      await gate.close();
      await db.close();
    }
  });

  it('refuses bad flags, unknown services and the config file’s own services, with exit code 2', async () => {
    const cases: Array<[string[], string]> = [
      [['add', 'bad name'], 'NAME: expected a service name'],
      [['add', 'x', '--rate', 'fast'], '--rate: expected a number from 0 to 1000000'],
      [['add', 'x', '--max-delay', '5'], 'a bare number has no unit'],
      [['add', 'x', '--colour', 'red'], 'unknown flag --colour'],
      [['add', 'x', '--public', '--private'], '--public and --private contradict each other'],
      [['add', 'fromfile'], 'fromfile is declared in the config file (services.fromfile): change it there'],
      [['rotate', 'nobody'], 'no service named nobody'],
      [['limit', 'nobody', '--rate', '1'], 'no service named nobody'],
      [['limit', 'nobody'], 'limit needs at least one limit to change'],
      [['remove'], 'remove needs a service NAME'],
      [['frobnicate', 'x'], 'unknown command "frobnicate"'],
    ];
    for (const [argv, message] of cases) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).to.equal(2);
      expect(result.err, argv.join(' ')).to.include(message);
    }
    expect((await run('--help')).out).to.include('Usage: powgate services');
  });
});
