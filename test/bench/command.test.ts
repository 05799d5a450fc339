import assert from 'node:assert/strict';
import { formatHashrateTable, meanHashes } from '../../lib/bench/hashrate.js';
import { parseBenchArgs } from '../../lib/bench/command.js';
import { ConfigError } from '../../lib/errors.js';

describe('powgate bench', () => {
  it('mean hashes per work follow 2^64 / (2^64 - threshold)', () => {
    assert.equal(meanHashes(0xfffffff800000000n), 2 ** 29);
    assert.equal(meanHashes(0xfffffe0000000000n), 2 ** 23);
    assert.equal(meanHashes(0n), 1);
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
    assert.match(lines[0]!, /device.*MH\/s per thread.*vs C baseline.*mean per work, send/);
    assert.match(lines[3]!, /CPU native avx512 \| 2 +\| 100\.00 +\| 50\.00 +\| 10\.00x +\| 5\.37 s/);
    assert.match(lines[4]!, /GPU .*- \(no adapter\)/);
  });

  it('reads its options and names a bad one', () => {
    assert.deepEqual(parseBenchArgs(['--seconds', '0.5', '--threads=3', '--network', 'banano']), {
      seconds: 0.5,
      threads: 3,
      network: 'banano',
      help: false,
    });
    assert.throws(() => parseBenchArgs(['--threads', '0']), (err: unknown) => err instanceof ConfigError && /--threads/.test(err.message));
    assert.throws(() => parseBenchArgs(['--gpu']), /unknown option --gpu/);
  });
});
