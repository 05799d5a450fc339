import path from 'node:path';
import { expect } from 'chai';
import { configFromRaw, loadConfig } from '../../lib/config/index.js';
import { loadError, loadYaml, yamlFile } from './helpers.js';

describe('config: ledger', () => {
  it('puts the data directory beside the config file by default, and resolves a relative one there too', async () => {
    const file = await yamlFile('ledger: { data_dir: data/ledger }\n');
    const config = await loadConfig({ argv: ['--config', file], env: {} });
    expect(config.ledger).to.deep.equal({ dataDir: path.join(path.dirname(file), 'data', 'ledger'), record: true });
    const plain = await loadYaml('log: { level: info }\n');
    expect(path.basename(plain.ledger.dataDir)).to.equal('powgate-data');
  });

  it('without a config file, uses ./powgate-data', () => {
    expect(configFromRaw({}).ledger).to.deep.equal({ dataDir: path.resolve('powgate-data'), record: true });
  });

  it('takes sqlite URLs, file paths and postgres URLs', () => {
    for (const url of ['sqlite:///var/lib/powgate/p.db', 'sqlite:p.db', '/srv/p.db', 'p.db', 'postgres://u:p@db:5432/powgate', 'postgresql://db/powgate']) {
      expect(configFromRaw({ ledger: { url } }).ledger.url).to.equal(url);
    }
    expect(configFromRaw({}, { env: { POWGATE_LEDGER__URL: 'postgres://db/x' } }).ledger.url).to.equal('postgres://db/x');
  });

  it('refuses other URLs, naming the key and never showing a password', async () => {
    for (const url of ['mysql://u:hunter22@db/x', 'postgres:///nohost', 'sqlite:']) {
      const err = await loadError(loadYaml(`ledger: { url: "${url}" }\n`));
      expect(err.path).to.equal('ledger.url');
      expect(err.message).to.include('expected sqlite:///path/file.db, a file path or postgres://');
      expect(err.message).not.to.include('hunter22');
    }
    const err = await loadError(loadYaml('ledger: { dir: x }\n'));
    expect(err.message).to.include('unknown key');
  });
});
