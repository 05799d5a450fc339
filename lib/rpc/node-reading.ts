/**
 * A request body as nano-node reads it: boost property_tree's JSON reader
 * (Boost 1.74) and its stream translator. A gate in front of the node must
 * decide on this reading, not on `JSON.parse`'s, or it can be told one thing
 * and forward another (shared/spec/node-rpc.md §7). Checked against the real
 * Boost: test/rpc/node-reading/ holds bodies with Boost's recorded readings.
 *
 * Differences from `JSON.parse` that matter:
 * - an object keeps every duplicate key and a lookup finds the first;
 * - every scalar is its source text (`1.0` stays "1.0", `true` is "true");
 * - an unpaired surrogate escape (`\ud800`) is a parse error.
 */
export interface NodeTree {
  /** A scalar's text; "" for an object or array. */
  readonly data: string;
  /** Object members (or array elements, with key "") in document order, duplicates kept. */
  readonly children: ReadonlyArray<readonly [string, NodeTree]>;
}

export type NodeReading = { readonly ok: true; readonly tree: NodeTree; readonly duplicate?: string } | { readonly ok: false };

class NodeParseError extends Error {}

/** Reads `text` the way the node does; `duplicate` names the first key seen twice in one object, at any depth. */
export function readAsNode(text: string): NodeReading {
  const parser = new Parser(text);
  try {
    const tree = parser.document();
    return parser.duplicate === undefined ? { ok: true, tree } : { ok: true, tree, duplicate: parser.duplicate };
  } catch (err) {
    if (err instanceof NodeParseError) return { ok: false };
    throw err;
  }
}

/** `ptree::get_optional<std::string>(key)`: the first child named `key`. */
export function nodeGet(tree: NodeTree, key: string): string | undefined {
  for (const [name, child] of tree.children) if (name === key) return child.data;
  return undefined;
}

const EMPTY: readonly [] = [];

class Parser {
  private pos = 0;
  duplicate: string | undefined;
  constructor(private readonly text: string) {}

  document(): NodeTree {
    // Boost skips a UTF-8 byte-order mark; the decoded body has it as U+FEFF.
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    const tree = this.value();
    this.ws();
    if (this.pos !== this.text.length) this.fail();
    return tree;
  }

  private fail(): never {
    throw new NodeParseError();
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  private value(): NodeTree {
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { data: this.string(), children: EMPTY };
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return { data: literal, children: EMPTY };
      }
    }
    return { data: this.number(), children: EMPTY };
  }

  private object(): NodeTree {
    this.pos++;
    const children: Array<readonly [string, NodeTree]> = [];
    const seen = new Set<string>();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { data: '', children };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail();
      const key = this.string();
      if (seen.has(key)) this.duplicate ??= key;
      seen.add(key);
      this.ws();
      if (this.text[this.pos] !== ':') this.fail();
      this.pos++;
      children.push([key, this.value()]);
      this.ws();
      const next = this.text[this.pos++];
      if (next === '}') return { data: '', children };
      if (next !== ',') this.fail();
    }
  }

  private array(): NodeTree {
    this.pos++;
    const children: Array<readonly [string, NodeTree]> = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { data: '', children };
    }
    for (;;) {
      children.push(['', this.value()]);
      this.ws();
      const next = this.text[this.pos++];
      if (next === ']') return { data: '', children };
      if (next !== ',') this.fail();
    }
  }

  private number(): string {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail();
    this.pos += match[0].length;
    return match[0];
  }

  private string(): string {
    const t = this.text;
    this.pos++;
    let out = '';
    let run = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail();
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail();
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(run, this.pos);
      this.pos++;
      out += this.escape();
      run = this.pos;
    }
  }

  private escape(): string {
    const c = this.text[this.pos++];
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const unit = this.hexQuad();
        if ((unit & 0xfc00) === 0xdc00) this.fail(); // stray low surrogate
        if ((unit & 0xfc00) !== 0xd800) return String.fromCharCode(unit);
        if (this.text[this.pos] !== '\\' || this.text[this.pos + 1] !== 'u') this.fail();
        this.pos += 2;
        const low = this.hexQuad();
        if ((low & 0xfc00) !== 0xdc00) this.fail();
        return String.fromCharCode(unit, low);
      }
      default:
        return this.fail();
    }
  }

  private hexQuad(): number {
    const quad = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(quad)) this.fail();
    this.pos += 4;
    return Number.parseInt(quad, 16);
  }
}

/** JSON's number grammar, which Boost follows; sticky, so it matches at `lastIndex` only. */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The C locale's isspace: what `std::ws` and an istream sentry skip. */
function isStreamSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function skipStreamSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isStreamSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * `ptree::get_optional<bool>` on a value's text (boost stream_translator over
 * libstdc++): first `s >> bool` as a number that must be 0 or 1 (sign and
 * leading zeros allowed), and where that fails, again in word form (`true`
 * or `false`) from wherever the number read stopped; then only whitespace
 * may follow. So " 01 ", "+1", "-0", "true\n" read, and so do "+true" and
 * "2true" (the failed number read consumed "+" or "2"); "1.0", "True", ""
 * read as absent.
 */
export function nodeBool(text: string): boolean | undefined {
  let pos = skipStreamSpace(text, 0);
  if (pos === text.length) return undefined;
  let negative = false;
  if (text[pos] === '+' || text[pos] === '-') {
    negative = text[pos] === '-';
    pos++;
  }
  const digits = pos;
  while (pos < text.length && text.charCodeAt(pos) >= 0x30 && text.charCodeAt(pos) <= 0x39) pos++;
  let value: boolean | undefined;
  if (pos > digits) {
    const significant = text.slice(digits, pos).replace(/^0+/, '');
    if (significant === '') value = false;
    else if (significant === '1' && !negative) value = true;
  }
  if (value === undefined) {
    pos = skipStreamSpace(text, pos);
    if (text.startsWith('true', pos)) {
      value = true;
      pos += 4;
    } else if (text.startsWith('false', pos)) {
      value = false;
      pos += 5;
    } else {
      return undefined;
    }
  }
  return skipStreamSpace(text, pos) === text.length ? value : undefined;
}
