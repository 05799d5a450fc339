import { expect } from 'chai';
import { RENAMED } from '../../lib/config/renamed.js';
import { loadError, loadYaml } from './helpers.js';

/** `{ a: { b: value } }` for `a.b`, as YAML. */
function yamlAt(path: string, value: string): string {
  const keys = path.split('.');
  return keys.reduceRight((inner, key) => `{ ${key}: ${inner} }`, value).slice(2, -2);
}

/** A value each renamed key accepts. */
const SAMPLE: Record<string, { yaml: string; normalised: unknown }> = {
  'precache.backends': { yaml: '[local]', normalised: ['local'] },
  'work.deadline': { yaml: '12s', normalised: 12_000 },
};

function valueAt(config: unknown, path: string): unknown {
  const camel = (key: string): string => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown>)[camel(key)], config);
}

describe('config: renamed keys', () => {
  for (const { old, now } of RENAMED) {
    describe(`${old} -> ${now}`, () => {
      const sample = SAMPLE[now];
      it('has a sample value in this test', () => expect(sample, `add ${now} to SAMPLE`).to.not.equal(undefined));
      if (sample === undefined) return;

      it('loads the old name as the new one, with one warning naming both', async () => {
        const warnings: string[] = [];
        const config = await loadYaml(yamlAt(old, sample.yaml), { onWarning: (w) => warnings.push(w) });
        expect(valueAt(config, now)).to.deep.equal(sample.normalised);
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.match(new RegExp(`^${old.replace('.', '\\.')} is deprecated: write ${now.replace('.', '\\.')} \\(`));
      });

      it('loads the new name without a warning', async () => {
        const warnings: string[] = [];
        const config = await loadYaml(yamlAt(now, sample.yaml), { onWarning: (w) => warnings.push(w) });
        expect(valueAt(config, now)).to.deep.equal(sample.normalised);
        expect(warnings).to.deep.equal([]);
      });

      it('refuses both names in one layer, naming the old one', async () => {
        const [section, oldKey] = old.split('.') as [string, string];
        const newKey = now.split('.')[1] as string;
        const err = await loadError(loadYaml(`${section}: { ${oldKey}: ${sample.yaml}, ${newKey}: ${sample.yaml} }`));
        expect(err.path).to.equal(old);
        expect(err.message).to.include(`replaced by ${now}`);
      });
    });
  }

  it('without onWarning, warns through process warnings (DeprecationWarning)', async () => {
    const seen: Error[] = [];
    const listen = (w: Error): void => void seen.push(w);
    process.on('warning', listen);
    try {
      const { loadConfig } = await import('../../lib/config/index.js');
      await loadConfig({ env: { POWGATE_WORK__TIMEOUT: '3s' } });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    const warning = seen.find((w) => w.message.includes('work.timeout'));
    expect(warning?.name).to.equal('DeprecationWarning');
    expect(warning?.message).to.include('(set by POWGATE_WORK__TIMEOUT)');
  });
});
