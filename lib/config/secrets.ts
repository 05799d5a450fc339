// What counts as a secret is decided here once, for error messages and for
// redactConfig alike, so the two can never disagree about what may be shown.

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pass',
  'secret',
  'token',
  'key',
  'apikey',
  'auth',
  'authorization',
  'credential',
  'credentials',
]);

/** True for `api_key`, `apiKey`, `token`, `password`, `service-key`, ... */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_\-.]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;
const SECRET_QUERY = /([?&])([^=&#]*)=([^&#]*)/g;

/**
 * The string with URL userinfo and secret-looking query values replaced by
 * `***`; undefined when it holds an `@` this cannot place (could be a password).
 */
export function redactUrlString(value: string): string | undefined {
  let out = value.replace(USERINFO, '$1***@');
  out = out.replace(SECRET_QUERY, (match: string, sep: string, name: string) =>
    isSecretKey(name) ? `${sep}${name}=***` : match,
  );
  const rest = out.replace(USERINFO, '');
  return rest.includes('@') ? undefined : out;
}
