import { expect } from 'chai';
import { parseBenchArgs } from '../../lib/bench/command.js';
import { formatHashrateTable, meanHashes } from '../../lib/bench/hashrate.js';
import { ConfigError } from '../../lib/errors.js';

describe('powgate bench', () => {
  it('mean hashes per work follow 2^64 / (2^64 - threshold)', () => {
    expect(meanHashes(0xfffffff800000000n)).to.equal(2 ** 29);
    expect(meanHashes(0xfffffe0000000000n)).to.equal(2 ** 23);
    expect(meanHashes(0n)).to.equal(1);
  });

  it('prints MH/s, per thread, the ratio to the C baseline and mean time per work', () => {
    const table = formatHashrateTable(
      {
        rows: [
          { device: 'C baseline', threads: 1, mhs: 10 },
          { device: 'CPU native avx512', threads: 2, mhs: 100 },
          { device: 'GPU', threads: 0, mhs: null, note: 'no adapter' },
        ],
        baselineMHs: 10,
        threads: 2,
        seconds: 1,
      },
      [{ label: 'send', threshold: 0xfffffff800000000n }],
    );
    const lines = table.split('\n');
    expect(lines[0]!).to.match(/device.*MH\/s per thread.*vs C baseline.*mean per work, send/);
    expect(lines[3]!).to.match(/CPU native avx512 \| 2 +\| 100\.00 +\| 50\.00 +\| 10\.00x +\| 5\.37 s/);
    expect(lines[4]!).to.match(/GPU .*- \(no adapter\)/);
  });

  it('reads its options and names a bad one', () => {
    expect(parseBenchArgs(['--seconds', '0.5', '--threads=3', '--network', 'banano'])).to.deep.equal({
      seconds: 0.5,
      threads: 3,
      network: 'banano',
      help: false,
    });
    expect(() => parseBenchArgs(['--threads', '0']))
      .to.throw()
      .that.satisfies((err: unknown) => err instanceof ConfigError && /--threads/.test(err.message));
    expect(() => parseBenchArgs(['--gpu'])).to.throw(/unknown option --gpu/);
  });
});
