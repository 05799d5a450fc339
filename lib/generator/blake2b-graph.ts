/**
 * The work hash as a straight-line dataflow graph, specialised at build time:
 * BLAKE2b with an 8-byte digest over one 40-byte block LE(nonce) || root.
 *
 * Building the graph with folding is what makes the kernel cheap: message words
 * 5..15 are zero, the initial state is constant, and whatever depends on the
 * root alone is computed once per call instead of once per nonce. Only the
 * values that reach h0 survive dead-code elimination.
 */

import { BLAKE2B_IV, BLAKE2B_SIGMA } from '../pow/blake2b-constants.js';

const MASK64 = (1n << 64n) - 1n;

export { BLAKE2B_IV, BLAKE2B_SIGMA };

/** Parameter block word 0 for an unkeyed 8-byte digest: depth 1, fanout 1, outlen 8. */
const PARAM0 = 0x01010000n | 8n;
const MESSAGE_BYTES = 40n;
const ROUNDS = 12;

/** How often a value changes: never, once per call (root), or per nonce. */
export const Stage = { Const: 0, Root: 1, Nonce: 2 } as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

export type Input = 'nonce' | 'root0' | 'root1' | 'root2' | 'root3';

export type GraphNode =
  | { readonly kind: 'const'; readonly stage: typeof Stage.Const; readonly value: bigint }
  | { readonly kind: 'input'; readonly stage: Stage; readonly input: Input }
  | { readonly kind: 'add' | 'xor'; readonly stage: Stage; readonly a: number; readonly b: number }
  | { readonly kind: 'rotr'; readonly stage: Stage; readonly a: number; readonly by: number };

export interface HashGraph {
  /** Topologically ordered: every operand index is lower than its user's. */
  readonly nodes: readonly GraphNode[];
  /** The node holding h0 after finalisation, i.e. the work value. */
  readonly output: number;
}

const later = (x: Stage, y: Stage): Stage => (x > y ? x : y);

class Builder {
  readonly nodes: GraphNode[] = [];

  #push(node: GraphNode): number {
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  #constOf(i: number): bigint | undefined {
    const n = this.nodes[i];
    return n?.kind === 'const' ? n.value : undefined;
  }

  #stageOf(i: number): Stage {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return n.stage;
  }

  constant(value: bigint): number {
    return this.#push({ kind: 'const', stage: Stage.Const, value: value & MASK64 });
  }

  input(input: Input): number {
    return this.#push({ kind: 'input', stage: input === 'nonce' ? Stage.Nonce : Stage.Root, input });
  }

  add(a: number, b: number): number {
    const ca = this.#constOf(a);
    const cb = this.#constOf(b);
    if (ca !== undefined && cb !== undefined) return this.constant(ca + cb);
    if (ca === 0n) return b;
    if (cb === 0n) return a;
    return this.#push({ kind: 'add', stage: later(this.#stageOf(a), this.#stageOf(b)), a, b });
  }

  xor(a: number, b: number): number {
    const ca = this.#constOf(a);
    const cb = this.#constOf(b);
    if (ca !== undefined && cb !== undefined) return this.constant(ca ^ cb);
    if (ca === 0n) return b;
    if (cb === 0n) return a;
    return this.#push({ kind: 'xor', stage: later(this.#stageOf(a), this.#stageOf(b)), a, b });
  }

  rotr(a: number, by: number): number {
    const ca = this.#constOf(a);
    if (ca !== undefined) return this.constant((ca >> BigInt(by)) | (ca << BigInt(64 - by)));
    return this.#push({ kind: 'rotr', stage: this.#stageOf(a), a, by });
  }
}

/** Builds the graph of value(root, nonce), then drops every node that does not reach it. */
export function buildHashGraph(): HashGraph {
  const g = new Builder();
  const zero = g.constant(0n);
  const m: number[] = [g.input('nonce'), g.input('root0'), g.input('root1'), g.input('root2'), g.input('root3'), ...Array.from({ length: 11 }, () => zero)];
  const h0 = BLAKE2B_IV[0]! ^ PARAM0;
  const h = [h0, ...BLAKE2B_IV.slice(1)];
  const v: number[] = [
    ...h.map((x) => g.constant(x)),
    ...BLAKE2B_IV.map((x, i) => {
      if (i === 4) return g.constant(x ^ MESSAGE_BYTES); // t0, the byte counter
      if (i === 6) return g.constant(x ^ MASK64); // f0: this is the last block
      return g.constant(x);
    }),
  ];
  const at = (i: number): number => v[i]!;
  const mix = (a: number, b: number, c: number, d: number, x: number, y: number): void => {
    v[a] = g.add(g.add(at(a), at(b)), x);
    v[d] = g.rotr(g.xor(at(d), at(a)), 32);
    v[c] = g.add(at(c), at(d));
    v[b] = g.rotr(g.xor(at(b), at(c)), 24);
    v[a] = g.add(g.add(at(a), at(b)), y);
    v[d] = g.rotr(g.xor(at(d), at(a)), 16);
    v[c] = g.add(at(c), at(d));
    v[b] = g.rotr(g.xor(at(b), at(c)), 63);
  };
  for (let r = 0; r < ROUNDS; r++) {
    const s = BLAKE2B_SIGMA[r % 10]!;
    const msg = (k: number): number => m[s[k]!]!;
    mix(0, 4, 8, 12, msg(0), msg(1));
    mix(1, 5, 9, 13, msg(2), msg(3));
    mix(2, 6, 10, 14, msg(4), msg(5));
    mix(3, 7, 11, 15, msg(6), msg(7));
    mix(0, 5, 10, 15, msg(8), msg(9));
    mix(1, 6, 11, 12, msg(10), msg(11));
    mix(2, 7, 8, 13, msg(12), msg(13));
    mix(3, 4, 9, 14, msg(14), msg(15));
  }
  const output = g.xor(g.xor(g.constant(h0), at(0)), at(8));
  return prune(g.nodes, output);
}

function operands(n: GraphNode): number[] {
  switch (n.kind) {
    case 'add':
    case 'xor':
      return [n.a, n.b];
    case 'rotr':
      return [n.a];
    default:
      return [];
  }
}

/** Dead-code elimination plus renumbering; keeps topological order. */
function prune(nodes: readonly GraphNode[], output: number): HashGraph {
  const live = new Array<boolean>(nodes.length).fill(false);
  live[output] = true;
  for (let i = output; i >= 0; i--) {
    if (!live[i]) continue;
    for (const o of operands(nodes[i]!)) live[o] = true;
  }
  const remap = new Map<number, number>();
  const kept: GraphNode[] = [];
  nodes.forEach((n, i) => {
    if (!live[i]) return;
    const r = (x: number): number => remap.get(x)!;
    let copy: GraphNode;
    if (n.kind === 'add' || n.kind === 'xor') copy = { ...n, a: r(n.a), b: r(n.b) };
    else if (n.kind === 'rotr') copy = { ...n, a: r(n.a) };
    else copy = n;
    remap.set(i, kept.length);
    kept.push(copy);
  });
  return { nodes: kept, output: remap.get(output)! };
}

/** Evaluates the graph with bigints: the emitter's own cross-check, and a readable spec. */
export function evaluateGraph(graph: HashGraph, inputs: Readonly<Record<Input, bigint>>): bigint {
  const values: bigint[] = [];
  for (const n of graph.nodes) {
    let x: bigint;
    switch (n.kind) {
      case 'const':
        x = n.value;
        break;
      case 'input':
        x = inputs[n.input] & MASK64;
        break;
      case 'add':
        x = (values[n.a]! + values[n.b]!) & MASK64;
        break;
      case 'xor':
        x = values[n.a]! ^ values[n.b]!;
        break;
      case 'rotr': {
        const y = values[n.a]!;
        x = ((y >> BigInt(n.by)) | (y << BigInt(64 - n.by))) & MASK64;
        break;
      }
    }
    values.push(x);
  }
  return values[graph.output]!;
}
