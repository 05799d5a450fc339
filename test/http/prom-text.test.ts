import { expect } from 'chai';
import { parsePromText } from '../helpers/prom-text.js';

// The /metrics tests lean on this reader; these show it rejects what Prometheus would.
describe('Prometheus text reader (test helper)', () => {
  const ok = '# HELP a_total A thing\n# TYPE a_total counter\na_total{x="1",y="q\\"uote"} 3\n';

  it('reads families, labels with escapes and values', () => {
    const family = parsePromText(ok).get('a_total');
    expect(family?.samples).to.deep.equal([{ name: 'a_total', labels: { x: '1', y: 'q"uote' }, value: 3 }]);
  });

  for (const [why, text] of [
    ['no trailing newline', ok.trimEnd()],
    ['a sample before its TYPE', 'a 1\n'],
    ['no HELP', '# TYPE a gauge\na 1\n'],
    ['a bad value', '# HELP a A\n# TYPE a gauge\na one\n'],
    ['an unquoted label', '# HELP a A\n# TYPE a gauge\na{x=1} 1\n'],
    ['a bad metric name', '# HELP 1a A\n# TYPE 1a gauge\n'],
    ['a histogram without +Inf', '# HELP h H\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a repeated TYPE', '# HELP a A\n# TYPE a gauge\n# TYPE a gauge\n'],
  ] as const) {
    it(`rejects ${why}`, () => {
      expect(() => parsePromText(text)).to.throw();
    });
  }
});
