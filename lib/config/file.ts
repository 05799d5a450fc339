import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, visit } from 'yaml';
import { ConfigError } from '../errors.js';
import { type Env, interpolate } from './interpolate.js';
import { isMap, type RawMap } from './shape.js';

/** The config file as a raw map: parsed, numbers kept as text, `${VAR}` replaced. */
export async function readConfigFile(file: string, env: Env): Promise<RawMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError('', `cannot read config file ${file}: ${reason}`);
  }
  return interpolate(parseYaml(text, file), env) as RawMap;
}

export function parseYaml(text: string, file: string): RawMap {
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending line, which may hold a secret.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ConfigError('', `${file}:${line}:${col}: ${first.message}`);
  }
  // A YAML number loses digits (16-digit hex difficulties, big integers) and
  // its spelling; keep the source text and let the schema parse it, the same
  // way it parses numbers from env vars and flags.
  visit(doc, {
    Scalar(_key, node) {
      if ((typeof node.value === 'number' || typeof node.value === 'bigint') && node.source !== undefined) {
        node.value = node.source;
      }
    },
  });
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isMap(value)) throw new ConfigError('', `${file}: expected a map of settings at the top level`);
  return value;
}
