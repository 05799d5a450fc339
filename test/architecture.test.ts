import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * The rules ARCHITECTURE.md states, checked on the source: imports between
 * lib's modules point one way (no cycle), lib/pow is pure, and the engine and
 * the backends know nothing of HTTP frameworks, metrics or logging libraries.
 * Type-only imports are left out: they vanish at run time.
 */
const LIB = fileURLToPath(new URL('../lib/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

interface Import {
  readonly from: string;
  readonly specifier: string;
}

/** Run-time imports and re-exports of a file (`import type` and all-`type` specifier lists excluded). */
function runtimeImports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*'([^']+)'/gms;
  for (const m of text.matchAll(statement)) {
    if (m[2] !== undefined) continue;
    const clause = m[3] as string;
    const braces = /^\{([^}]*)\}$/.exec(clause.trim());
    if (braces !== null) {
      const names = (braces[1] as string)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    }
    out.push({ from: file, specifier: m[4] as string });
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push({ from: file, specifier: m[1] as string });
  return out;
}

/** `lib/<module>/…` or `lib/<module>.ts` → module name. */
function moduleOf(file: string): string {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length > 1 ? (rel[0] as string) : (rel[0] as string).replace(/\.ts$/, '');
}

const files = sources(LIB);
const imports = files.flatMap(runtimeImports);

function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, specifier } of imports) {
    if (!specifier.startsWith('.')) continue;
    const target = path.resolve(path.dirname(from), specifier.replace(/\.js$/, '.ts'));
    if (!target.startsWith(LIB)) continue;
    const a = moduleOf(from);
    const b = moduleOf(target);
    if (a === b) continue;
    let set = graph.get(a);
    if (set === undefined) graph.set(a, (set = new Set()));
    set.add(b);
  }
  return graph;
}

describe('architecture: the rules ARCHITECTURE.md states', () => {
  it('imports between lib modules point one way: no cycle', () => {
    const graph = moduleGraph();
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, trail: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).to.deep.equal([]);
    // The check sees the graph at all: the composition root imports the engine.
    expect(graph.get('server')?.has('engine')).to.equal(true);
  });

  it('lib/pow is pure: it imports nothing but itself', () => {
    const outside = imports.filter((i) => moduleOf(i.from) === 'pow' && !i.specifier.startsWith('./'));
    expect(outside.map((i) => `${path.relative(LIB, i.from)}: ${i.specifier}`)).to.deep.equal([]);
  });

  it('the engine, the backends and the cache know no HTTP framework, metrics library or logger', () => {
    const banned = /^(koa|@koa\/|prom-client|pino)/;
    const found = imports.filter((i) => ['engine', 'backends', 'cache'].includes(moduleOf(i.from)) && banned.test(i.specifier));
    expect(found.map((i) => `${path.relative(LIB, i.from)}: ${i.specifier}`)).to.deep.equal([]);
  });
});
