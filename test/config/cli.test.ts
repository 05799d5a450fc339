import { expect } from 'chai';
import { parseArgs, USAGE } from '../../lib/config/index.js';
import { ConfigError } from '../../lib/errors.js';

describe('parseArgs', () => {
  it('reads nothing from nothing', () => {
    expect(parseArgs([])).to.deep.equal({ help: false, version: false });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(
      parseArgs([
        '--config',
        'a.yaml',
        '--listen=[::1]:7176',
        '--network',
        'banano',
        '--peer',
        'http://a',
        '--peer=http://b',
        '--node-rpc=http://n:7072',
        '--node-ws',
        'ws://n:7074',
        '--redis=redis://r:6379',
        '--cpu-threads',
        '8',
        '--log-level=debug',
      ]),
    ).to.deep.equal({
      config: 'a.yaml',
      listen: '[::1]:7176',
      network: 'banano',
      peers: ['http://a', 'http://b'],
      nodeRpc: 'http://n:7072',
      nodeWs: 'ws://n:7074',
      redis: 'redis://r:6379',
      cpuThreads: '8',
      logLevel: 'debug',
      help: false,
      version: false,
    });
  });

  it('keeps everything after the first = in the value', () => {
    expect(parseArgs(['--peer=http://a/?x=1']).peers).to.deep.equal(['http://a/?x=1']);
  });

  it('reads --help, -h, --version and -v', () => {
    expect(parseArgs(['--help'])).to.include({ help: true, version: false });
    expect(parseArgs(['-h', '-v'])).to.include({ help: true, version: true });
    expect(parseArgs(['--version'])).to.include({ version: true });
  });

  it('rejects an unknown flag with a usage hint', () => {
    expect(() => parseArgs(['--peers', 'http://a'])).to.throw(ConfigError, /unknown option --peers.*--help/);
    expect(() => parseArgs(['--lisen=1'])).to.throw(ConfigError, /--lisen/);
  });

  it('rejects a flag without its value', () => {
    expect(() => parseArgs(['--listen'])).to.throw(ConfigError, /--listen needs a value/);
    expect(() => parseArgs(['--config', '--listen', 'x'])).to.throw(ConfigError, /--config needs a value/);
  });

  it('rejects positional arguments and values on --help', () => {
    expect(() => parseArgs(['serve'])).to.throw(ConfigError, /unexpected argument/);
    expect(() => parseArgs(['--help=yes'])).to.throw(ConfigError, /takes no value/);
  });

  it('documents every flag in USAGE', () => {
    for (const flag of [
      '--config',
      '--listen',
      '--network',
      '--peer',
      '--node-rpc',
      '--node-ws',
      '--redis',
      '--cpu-threads',
      '--log-level',
      '--help',
      '--version',
    ]) {
      expect(USAGE).to.include(flag);
    }
  });
});
