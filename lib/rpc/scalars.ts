/**
 * The node reads every JSON scalar as a string (boost property_tree):
 * `"multiplier": 1.5` and `"multiplier": "1.5"` are the same request.
 */
export type RpcBody = Readonly<Record<string, unknown>>;

export function has(body: RpcBody, key: string): boolean {
  return Object.hasOwn(body, key);
}

/** The scalar as the node would read it; a subtree reads as "" (its empty data). */
export function scalar(body: RpcBody, key: string): string | undefined {
  if (!Object.hasOwn(body, key)) return undefined;
  const value = body[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return '';
}

/** boost's bool translator: "true"/"false" and "1"/"0"; anything else is a parse error. */
export function bool(body: RpcBody, key: string, fallback: boolean): boolean | undefined {
  const text = scalar(body, key);
  if (text === undefined) return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return undefined;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** boost::lexical_cast<double>: the whole text must be a number, no spaces. */
export function parseDouble(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  if (SPECIAL.test(text)) {
    const negative = text.startsWith('-');
    if (/nan/i.test(text)) return Number.NaN;
    return negative ? -Infinity : Infinity;
  }
  return undefined;
}
