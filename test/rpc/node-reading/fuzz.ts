/**
 * Seeded generator of request bodies that try to make a gate and the node
 * disagree: keys spelled with escapes, repeated keys, flags in every form the
 * node's bool reader might accept, odd whitespace, nesting. The same seed
 * always gives the same bodies (fuzz.jsonl records the node's reading of them).
 */
export const FUZZ_SEED = 0x9e3779b9;
export const FUZZ_COUNT = 1500;

/** mulberry32: small, fast, and the same on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  'stop',
  'send',
  'wallet_export',
  'key_create',
  'account_info',
  'block_info',
  'process',
  'stats',
  'work_generate',
  'work_validate',
  'Stop',
  ' process',
  'process ',
  '',
];
const WORDS = ['true', 'false', 'True', 'TRUE', 'tru', 'truex', 'fals', 'yes', 'on', ''];
const SPACES = [' ', '\\t', '\\n', '\\r', '\\u000b', '\\f', '\\u000c', '\\u00a0', '\\u0000'];
const TYPES = ['objects', 'counters', 'samples', ' objects', 'objects ', 'Objects', 'obj\\u0065cts', ''];

export function fuzzBodies(seed: number = FUZZ_SEED, count: number = FUZZ_COUNT): string[] {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const chance = (p: number): boolean => rnd() < p;

  /** A key or value's characters, some written as \u escapes (either hex case). */
  const spell = (text: string): string => {
    let out = '';
    for (const ch of text) {
      if (chance(0.15)) {
        const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
        out += `\\u${chance(0.5) ? hex : hex.toUpperCase()}`;
      } else {
        out += ch;
      }
    }
    return `"${out}"`;
  };
  const ws = (): string => (chance(0.8) ? '' : pick([' ', '\n', '\t', '\r', '  ']));

  const flagText = (): string => {
    let text = '';
    for (let i = 0, n = chance(0.5) ? 0 : 1 + Math.floor(rnd() * 2); i < n; i++) text += pick(SPACES);
    if (chance(0.3)) text += pick(['+', '-', '+', '-', '++']);
    if (chance(0.6)) {
      text += '0'.repeat(chance(0.3) ? Math.floor(rnd() * 3) : 0);
      text += pick(['0', '1', '1', '2', '10', '11', '']);
      if (chance(0.1)) text += pick(['.0', 'e0', 'x1']);
    }
    if (chance(0.4)) {
      if (chance(0.3)) text += pick(SPACES);
      text += pick(WORDS);
    }
    for (let i = 0, n = chance(0.6) ? 0 : 1; i < n; i++) text += pick(SPACES);
    return text;
  };
  const flagValue = (): string => {
    if (chance(0.25)) return pick(['true', 'false', '1', '0', '1.0', '1e0', '01e0', '-0', 'null', '{}', '[]', '[true]', '"1"']);
    return `"${flagText()}"`;
  };

  const member = (key: string, value: string): string => `${ws()}${spell(key)}${ws()}:${ws()}${value}${ws()}`;

  const bodies: string[] = [];
  for (let n = 0; n < count; n++) {
    const members: string[] = [];
    const action = pick(ACTIONS);
    members.push(member('action', spell(action)));
    if (chance(0.45)) members.push(member(pick(['action', 'action', 'Action', 'actio', 'action ']), spell(pick(ACTIONS))));
    if (action === 'process' || chance(0.3)) {
      members.push(member('force', flagValue()));
      if (chance(0.25)) members.push(member('force', flagValue()));
      if (chance(0.2)) members.push(member('block', chance(0.5) ? '"{}"' : `{${member('force', flagValue())}}`));
    }
    if (action === 'stats' || chance(0.2)) {
      members.push(member('type', chance(0.8) ? `"${pick(TYPES)}"` : pick(['["objects"]', '{}', 'null', '1'])));
      if (chance(0.25)) members.push(member('type', `"${pick(TYPES)}"`));
    }
    if (chance(0.2)) {
      const key = pick(['a', 'hash', 'account']);
      members.push(member('nested', `{${member(key, '"1"')},${member(chance(0.5) ? key : 'b', '"2"')}}`));
    }
    if (chance(0.1)) members.push(member('x', pick(['"\\ud800"', '"\\udc00"', '"\\ud83d\\ude00"', '12345678901234567890123', '-0.5E-3'])));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [members[i], members[j]] = [members[j] as string, members[i] as string];
    }
    bodies.push(`${ws()}{${members.join(',')}}${ws()}`);
  }
  return bodies;
}
