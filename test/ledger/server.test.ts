import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestPowgate } from '../helpers/powgate.js';

describe('the ledger database in a running powgate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'powgate-ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is not opened, and no file is made, when nothing needs it', async () => {
    const dataDir = path.join(dir, 'data');
    const gate = await startTestPowgate({ ledger: { data_dir: dataDir } });
    try {
      expect(gate.database).to.equal(undefined);
    } finally {
      await gate.close();
    }
    expect(existsSync(dataDir)).to.equal(false);
  });

  it('is opened for an explicit ledger.url and closed with powgate', async () => {
    const file = path.join(dir, 'ledger.db');
    const gate = await startTestPowgate({ ledger: { url: `sqlite://${file}` } });
    const database = gate.database;
    expect(database?.dialect).to.equal('sqlite');
    expect(existsSync(file)).to.equal(true);
    await gate.close();
    let closed = false;
    await database?.query('SELECT 1').catch(() => {
      closed = true;
    });
    expect(closed).to.equal(true);
  });

  it('is not opened for a hub with ledger.record: false (the hub keeps its in-memory counts)', async () => {
    const dataDir = path.join(dir, 'data');
    const gate = await startTestPowgate({
      backends: { hub: { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0' } },
      tiers: [{ backends: ['hub'] }],
      precache: { enabled: false },
      ledger: { data_dir: dataDir, record: false },
    });
    try {
      expect(gate.database).to.equal(undefined);
      expect(gate.ledger).to.equal(undefined);
      // No ledger, no /api/hub: the RPC port answers a GET it does not serve as the node would.
      expect(await (await fetch(`${gate.url}/api/hub/stats`)).text()).not.to.include('workers');
    } finally {
      await gate.close();
    }
    expect(existsSync(dataDir)).to.equal(false);
  });

  it('fails start-up clearly when the database cannot be opened', async () => {
    let message = '';
    await startTestPowgate({ ledger: { url: 'postgres://powgate:sekret@127.0.0.1:1/ledger' } }).catch((err: Error) => {
      message = err.message;
    });
    expect(message).to.match(/^Cannot open the database postgres:\/\/127\.0\.0\.1:1\/ledger: /);
    expect(message).not.to.include('sekret');
  });
});
