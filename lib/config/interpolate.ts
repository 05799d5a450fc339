import { ConfigError } from '../errors.js';
import { child, item } from './path.js';
import { isMap } from './shape.js';

export type Env = Readonly<Record<string, string | undefined>>;

// `$${` is a literal `${`; then a full reference; then an unterminated one.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value (not keys) of
 * the parsed file, so secrets can stay out of it. As in the shell, `:-` also
 * covers a variable that is set but empty.
 */
export function interpolate(value: unknown, env: Env, path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((entry, index) => interpolate(entry, env, item(path, index)));
  if (isMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, interpolate(entry, env, child(path, key))]));
  }
  return value;
}

function interpolateString(text: string, env: Env, path: string): string {
  return text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined) throw new ConfigError(path, 'unterminated ${ (write $${ for a literal ${)');
    const parsed = INNER.exec(inner);
    if (!parsed) throw new ConfigError(path, `bad reference \${${inner}}: expected \${NAME} or \${NAME:-default}`);
    const [, name, fallback] = parsed as unknown as [string, string, string | undefined];
    const set = env[name];
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      throw new ConfigError(path, `environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
    }
    return set;
  });
}
