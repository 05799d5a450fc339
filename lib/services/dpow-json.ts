/**
 * JSON as Python's `json.dumps` writes it with its defaults, which is what the
 * DPoW server's aiohttp answers carry: `", "` and `": "` between items, and
 * every character past ASCII escaped (`ensure_ascii`). Clients parse it either
 * way; written alike, a byte-for-byte comparison with the real server holds too.
 */
export function pyDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiString(value);
  if (typeof value === 'number')
    return Number.isFinite(value)
      ? Number.isInteger(value) && !Object.is(value, -0)
        ? String(value)
        : pyFloat(value)
      : value > 0
        ? 'Infinity'
        : value < 0
          ? '-Infinity'
          : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${asciiString(k)}: ${pyDumps(v)}`)
      .join(', ')}}`;
  }
  return 'null';
}

/** A float as Python's repr writes it: always with a point or an exponent (`1.0`, `1e+20`). */
function pyFloat(value: number): string {
  const text = String(value);
  if (/[.e]/.test(text)) return text.replace(/e([+-])(\d)$/, (_, sign: string, digit: string) => `e${sign}0${digit}`);
  return `${text}.0`;
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
