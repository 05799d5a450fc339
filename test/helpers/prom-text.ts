/**
 * A strict reader of the Prometheus text exposition format (0.0.4): it throws
 * on the first line a Prometheus server would reject or misread, so a test
 * that parses /metrics with it checks the grammar, not just a few substrings.
 */
export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePromText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`second HELP, ${where}`);
        helps.set(name, rest);
      } else {
        if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`);
        if (families.has(name)) throw new Error(`second TYPE, ${where}`);
        families.set(name, { name, type: rest as Family['type'], help: '', samples: [] });
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (family === undefined) throw new Error(`sample before its TYPE, ${where}`);
    family.samples.push(sample);
  });
  for (const [name, family] of families) {
    const help = helps.get(name);
    if (help === undefined) throw new Error(`${name} has no HELP`);
    (family as { help: string }).help = help;
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const direct = families.get(sample);
  if (direct !== undefined) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family !== undefined && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): { name: string; labels: Record<string, string>; value: number } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`bad sample, ${where}`);
  const [, name, rawLabels, rawValue] = m as unknown as [string, string, string | undefined, string];
  return { name, labels: rawLabels === undefined ? {} : parseLabels(rawLabels, where), value: parseValue(rawValue, where) };
}

function parseLabels(raw: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1;
  const end = raw.length - 1;
  while (i < end) {
    const eq = raw.indexOf('=', i);
    if (eq === -1) throw new Error(`bad labels, ${where}`);
    const name = raw.slice(i, eq);
    if (!LABEL_NAME.test(name) || name in labels) throw new Error(`bad or repeated label name ${name}, ${where}`);
    if (raw[eq + 1] !== '"') throw new Error(`unquoted label value, ${where}`);
    let j = eq + 2;
    let value = '';
    for (; j < end && raw[j] !== '"'; j++) {
      if (raw[j] === '\\') {
        const next = raw[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape in label value, ${where}`);
      } else {
        value += raw[j];
      }
    }
    if (raw[j] !== '"') throw new Error(`unterminated label value, ${where}`);
    labels[name] = value;
    i = j + 1;
    if (raw[i] === ',') i++;
    else if (i !== end) throw new Error(`bad label separator, ${where}`);
  }
  return labels;
}

/** As Go's ParseFloat reads it, which is what Prometheus uses: NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(raw: string, where: string): number {
  if (/^\+?inf(inity)?$/i.test(raw)) return Infinity;
  if (/^-inf(inity)?$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) throw new Error(`bad value, ${where}`);
  return Number(raw);
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { inf: boolean; last: number }>();
  for (const s of family.samples) {
    if (!s.name.endsWith('_bucket')) continue;
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${family.name}: bucket without le`);
    const key = JSON.stringify(rest);
    const state = series.get(key) ?? { inf: false, last: 0 };
    if (s.value < state.last) throw new Error(`${family.name}: buckets not cumulative`);
    state.last = s.value;
    if (le === '+Inf') state.inf = true;
    series.set(key, state);
  }
  for (const [key, state] of series) if (!state.inf) throw new Error(`${family.name}${key}: no +Inf bucket`);
}
