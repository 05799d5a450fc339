// What counts as a secret, how an endpoint is named, and how text from
// elsewhere is made safe to repeat are decided here once: config errors, the
// debug config log, backend errors relayed to clients, logs, metrics and the
// dashboard all go through these functions, so they can never disagree about
// what may be shown.

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
  'wallet',
]);

/** True for `api_key`, `apiKey`, `token`, `password`, `service-key`, ... */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_\-.]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

/**
 * How an endpoint is named in errors, logs, metrics and the dashboard:
 * `scheme://host:port`. The userinfo holds passwords and paths and queries can
 * hold tokens, so none of them is ever part of a label. A string that is not
 * an absolute URL with a host has no label.
 */
export function urlLabel(url: URL): string;
export function urlLabel(url: string): string | undefined;
export function urlLabel(url: URL | string): string | undefined {
  if (typeof url === 'string') {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
    try {
      return urlLabel(new URL(url));
    } catch {
      return undefined;
    }
  }
  return url.host === '' ? undefined : `${url.protocol}//${url.host}`;
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;
const QUERY_VALUE = /([?&])([^=&#]*)=([^&#]*)/g;

/**
 * A configured URL as the config views show it (the debug log, config errors,
 * the dashboard): its shape kept, its userinfo and every query value replaced
 * by `***`, whatever the parameter is called (`?k=` is as secret as `?key=`).
 * Undefined when it holds an `@` this cannot place (it could be a password).
 */
export function redactUrl(value: string): string | undefined {
  const out = value.replace(USERINFO, '$1***@').replace(QUERY_VALUE, '$1$2=***');
  return out.replace(USERINFO, '').includes('@') ? undefined : out;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi;
/** A query pair inside running text: the value ends at white space or a quote too. */
const QUERY_VALUE_IN_TEXT = /([?&])([^=&#\s"'<>]*)=([^&#\s"'<>]*)/g;
/** `Authorization: Basic dXNlcjpwYXNz`, `Bearer eyJ…`: the scheme stays, the credentials go. */
const AUTH_SCHEME = /\b(Basic|Bearer|Digest)\s+[^\s,;"']+/gi;
const AUTH_SCHEME_NAME = /^(Basic|Bearer|Digest)$/i;
/** `key=abc`, `"api_key": "abc"`, `token: abc`: judged by the name. */
const NAMED_VALUE = /(["']?)([A-Za-z][\w.-]*)\1(\s*[:=]\s*)(["']?)([^\s"',;&]+)\4/g;
/** Known secrets shorter than this are not searched for: replacing every `a` would say more than it hides. */
const MIN_SECRET = 4;

export interface ScrubOptions {
  /** Exact strings to hide wherever they appear: an api key, a URL's password. */
  readonly secrets?: readonly string[];
  /** Longest result; longer text is cut and ends in `...`. */
  readonly max?: number;
}

/**
 * Text from elsewhere (an upstream's error, a library's message) made safe to
 * relay to clients, logs and status: known secrets, credentials after an auth
 * scheme, values of secret-named fields and of query parameters become `***`,
 * URLs are cut to their label, and the whole is one line of at most `max`
 * characters. A server that echoes our key or our Authorization header must
 * not put it in our answers or logs.
 */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  let out = text;
  for (const secret of options.secrets ?? []) if (secret.length >= MIN_SECRET) out = out.split(secret).join('***');
  out = out
    .replace(URL_IN_TEXT, (match) => urlLabel(match) ?? '<url>')
    .replace(AUTH_SCHEME, '$1 ***')
    .replace(QUERY_VALUE_IN_TEXT, '$1$2=***')
    .replace(NAMED_VALUE, (match: string, q1: string, name: string, sep: string, q2: string, value: string) =>
      // `Authorization: Basic ***` was scrubbed above and reads better with its scheme kept.
      isSecretKey(name) && !AUTH_SCHEME_NAME.test(value) ? `${q1}${name}${q1}${sep}${q2}***${q2}` : match,
    )
    .replace(/\s+/g, ' ')
    .trim();
  const max = options.max ?? 200;
  return out.length > max ? `${out.slice(0, max)}...` : out;
}

/**
 * What a URL carries that must never be shown, for `scrubText`'s `secrets`:
 * its password (as written and decoded), the Basic-auth header value built
 * from its userinfo, and its query values.
 */
export function urlSecrets(url: URL): string[] {
  const out = new Set<string>();
  if (url.password !== '') {
    out.add(url.password);
    out.add(decodeURIComponent(url.password));
    const userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    out.add(Buffer.from(userinfo).toString('base64'));
  }
  for (const [, value] of url.searchParams) out.add(value);
  for (const raw of url.search.slice(1).split('&')) {
    const value = raw.slice(raw.indexOf('=') + 1);
    if (raw.includes('=')) out.add(value);
  }
  return [...out].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}
