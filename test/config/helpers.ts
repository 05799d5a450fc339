import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type LoadConfigOptions, loadConfig } from '../../lib/config/index.js';
import { ConfigError } from '../../lib/errors.js';

/** Writes `yaml` to a fresh temp file and returns its path. */
export async function yamlFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'powgate-config-'));
  const file = join(dir, 'powgate.yaml');
  await writeFile(file, yaml);
  return file;
}

/** Loads `yaml` (plus extra argv/env) with an env that holds only what the test gives; warnings go to onWarning or nowhere. */
export async function loadYaml(yaml: string, options: LoadConfigOptions = {}) {
  const file = await yamlFile(yaml);
  return loadConfig({ onWarning: () => {}, ...options, argv: ['--config', file, ...(options.argv ?? [])], env: options.env ?? {} });
}

/** The ConfigError a load must fail with. */
export async function loadError(load: Promise<unknown>): Promise<ConfigError> {
  try {
    await load;
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  expect.fail('expected the config to be rejected');
}
