import { expect } from 'chai';
import { LOCAL_ACTIONS } from '../../lib/rpc/actions.js';
import { judgeForward } from '../../lib/rpc/gate.js';
import { nodeBool, nodeGet, readAsNode } from '../../lib/rpc/node-reading.js';
import { type RpcBody, scalar } from '../../lib/rpc/scalars.js';
import { FUZZ_COUNT, fuzzBodies } from './node-reading/fuzz.js';
import { loadRecords, type NodeRecord, type RecordedBody } from './node-reading/records.js';

// Bodies with what Boost 1.74 (the node's parser) read from them, recorded by
// test/rpc/node-reading/oracle.cpp: hand-picked tricky ones, then the seeded fuzz set.
const corpus = loadRecords('corpus.jsonl');
const fuzz = loadRecords('fuzz.jsonl');

/** Every name passes, so the gate shows which name it would check. */
const ALLOW_ALL = { has: () => true } as unknown as ReadonlySet<string>;

/** The rpc.allow name the node's reading calls for (its rpc_handler's control checks). */
function nodeName(node: Exclude<NodeRecord, 'error'>): string | null {
  if (node.action === 'process' && node.force === true) return 'process_force';
  if (node.action === 'stats' && node.type === 'objects') return 'stats_objects';
  return node.action;
}

/** What powgate does with a body: where it routes it, and for a forward what name it judged. */
function powgateDecision(raw: string): { forwarded: false; why: string } | { forwarded: true; action: string; name: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { forwarded: false, why: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { forwarded: false, why: 'not an object' };
  const action = scalar(parsed as RpcBody, 'action');
  if (action === undefined) return { forwarded: false, why: 'no action' };
  if (LOCAL_ACTIONS.has(action)) return { forwarded: false, why: 'answered by powgate' };
  const verdict = judgeForward(raw, ALLOW_ALL);
  return verdict.forward ? { forwarded: true, action: verdict.action, name: verdict.name } : { forwarded: false, why: verdict.message };
}

function modelAgrees(c: RecordedBody): void {
  const reading = readAsNode(c.body);
  const label = c.why ?? c.body;
  if (c.node === 'error') {
    expect(reading.ok, label).to.equal(false);
    return;
  }
  expect(reading.ok, label).to.equal(true);
  if (!reading.ok) return;
  expect(nodeGet(reading.tree, 'action') ?? null, `${label}: action`).to.equal(c.node.action);
  expect(nodeGet(reading.tree, 'type') ?? null, `${label}: type`).to.equal(c.node.type);
  const force = nodeGet(reading.tree, 'force');
  expect((force === undefined ? undefined : nodeBool(force)) ?? null, `${label}: force`).to.equal(c.node.force);
  // Boost's tree cannot tell an object's "" keys from an array's, so its flag skips them.
  expect(reading.duplicate !== undefined && reading.duplicate !== '', `${label}: duplicate`).to.equal(c.node.duplicate);
}

/** Every disagreement between what powgate judged and what the node would run is a failure. */
function gateAgrees(c: RecordedBody): void {
  const label = c.why ?? c.body;
  const decision = powgateDecision(c.body);
  // An object with the key "" twice is a duplicate Boost's flag cannot see (see above): refusing it is right.
  const emptyKeyTwice = (() => {
    const reading = readAsNode(c.body);
    return reading.ok && reading.duplicate === '';
  })();
  if (c.node === 'error' || c.node.duplicate || emptyKeyTwice) {
    expect(decision.forwarded, `${label}: forwarded a body the node reads differently`).to.equal(false);
    return;
  }
  if (c.node.action === null || LOCAL_ACTIONS.has(c.node.action)) {
    expect(decision.forwarded, label).to.equal(false);
    return;
  }
  // JSON.parse is stricter than Boost only about a leading byte-order mark: refused, never misjudged.
  if (!decision.forwarded && decision.why === 'not JSON' && c.body.startsWith('\ufeff')) return;
  // The node reads one action and one set of flags: powgate must judge exactly those, no more and no less.
  expect(decision, label).to.deep.equal({ forwarded: true, action: c.node.action, name: nodeName(c.node) });
}

describe("the node's reading of a request body (Boost property_tree, recorded)", () => {
  it('reads every corpus body as Boost did', () => {
    for (const c of corpus) modelAgrees(c);
  });
  it('reads every fuzz body as Boost did', () => {
    for (const c of fuzz) modelAgrees(c);
  });
  it('the fuzz file is what the seeded generator makes (re-record with record.ts after changing it)', () => {
    expect(fuzz.length).to.equal(FUZZ_COUNT);
    expect(fuzz.map((c) => c.body)).to.deep.equal(fuzzBodies());
  });
  it('reads flags as the node does', () => {
    for (const text of ['1', '01', '+1', ' true', 'true\n', '\v1', ' 01 ', '+true', '2true', '2 true']) expect(nodeBool(text), text).to.equal(true);
    for (const text of ['0', '-0', '+0', 'false', ' false ', '-false', '00']) expect(nodeBool(text), text).to.equal(false);
    for (const text of ['', '2', '-1', '1.0', '1e0', 'True', 'TRUE', 'yes', 'tru', 'truex', '1x', '0x1', '1true', '++1', 'null']) {
      expect(nodeBool(text), text).to.equal(undefined);
    }
  });
});

describe('the forwarding gate against the node (differential)', () => {
  it('judges every corpus body as the node reads it', () => {
    for (const c of corpus) gateAgrees(c);
  });
  it('judges every fuzz body as the node reads it', () => {
    for (const c of fuzz) gateAgrees(c);
  });
});
