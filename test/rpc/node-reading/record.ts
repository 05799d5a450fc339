/**
 * Re-records the node's reading of every corpus and fuzz body with the Boost
 * oracle (oracle.cpp). Run after changing the corpus or the generator:
 *
 *   g++ -O1 -o /tmp/node-reading-oracle test/rpc/node-reading/oracle.cpp
 *   npx tsx test/rpc/node-reading/record.ts /tmp/node-reading-oracle
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fuzzBodies } from './fuzz.js';
import type { NodeRecord } from './records.js';

const oracle = process.argv[2];
if (oracle === undefined) throw new Error('usage: record.ts ORACLE_BINARY');

function read(bodies: readonly string[]): NodeRecord[] {
  const input = bodies.map((b) => Buffer.from(b, 'utf8').toString('hex')).join('\n') + '\n';
  const lines = execFileSync(oracle as string, { input, maxBuffer: 1 << 28 })
    .toString('utf8')
    .trimEnd()
    .split('\n');
  if (lines.length !== bodies.length) throw new Error(`oracle answered ${lines.length} lines for ${bodies.length} bodies`);
  const text = (field: string): string | null => (field === '-' ? null : Buffer.from(field.slice(1), 'hex').toString('utf8'));
  return lines.map((line) => {
    if (line === 'error') return 'error';
    const [, action, force, type, dup] = line.split(' ') as [string, string, string, string, string];
    return { action: text(action), force: force === '-' ? null : force === '1', type: text(type), duplicate: dup === '1' };
  });
}

const corpusFile = new URL('./corpus.jsonl', import.meta.url);
const cases = readFileSync(corpusFile, 'utf8')
  .trimEnd()
  .split('\n')
  .map((l) => JSON.parse(l) as { why: string; body: string });
const corpusReadings = read(cases.map((c) => c.body));
writeFileSync(corpusFile, cases.map((c, i) => JSON.stringify({ why: c.why, body: c.body, node: corpusReadings[i] })).join('\n') + '\n');

const bodies = fuzzBodies();
const fuzzReadings = read(bodies);
writeFileSync(new URL('./fuzz.jsonl', import.meta.url), bodies.map((body, i) => JSON.stringify({ body, node: fuzzReadings[i] })).join('\n') + '\n');
console.log(`recorded ${cases.length} corpus and ${bodies.length} fuzz bodies`);
