import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import * as errors from '../lib/errors.js';
import { DpowError, ERROR_CODES, Message, NodeError, PowgateError } from '../lib/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Every source file under lib/ except the catalogue itself: where an entry must be used. */
function librarySource(): string {
  const files = readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files
    .filter((f) => f !== 'errors.ts')
    .map((f) => readFileSync(path.join(ROOT, 'lib', f), 'utf8'))
    .join('\n');
}
const SOURCE = librarySource();

/** README's placeholders for the messages that take values. */
const PLACEHOLDERS: Record<string, readonly string[]> = {
  notAllowed: ['<action>'],
  sensitive: ['<action>'],
  noNode: ['<action>'],
  nodeUnreachable: ['<action>'],
  bodyTooLarge: ['<n>'],
  duplicateKey: ['<key>'],
  forwardBusy: ['<action>'],
  timeout: ['<root>', '<s>'],
  generationFailed: ['<backend>: <reason>; …'],
  databaseOpen: ['<where>', '<reason>'],
  databaseMigration: ['<component>', '<n>', '<reason>'],
  databaseNewer: ['<component>', '<n>', '<m>'],
  databaseStatement: ['<reason>'],
  databaseUrl: ['<scheme>'],
  payoutsPeriodOpen: ['<s>'],
  hubApiLimit: ['<n>'],
  payoutsHighFee: ['<rate>'],
  payoutsOverlap: ['<id>'],
  payoutsUnknownPlan: ['<id>'],
  payoutsSendFailed: ['<account>', '<reason>'],
  payoutsNodeReply: ['<reason>'],
  serviceAction: ['<action>'],
  unknown: ['<timestamp>'],
};

/** The error classes of the catalogue, each built once with placeholder arguments. */
const CLASSES = Object.entries(errors).flatMap(([name, value]) => {
  if (typeof value !== 'function' || !(value.prototype instanceof PowgateError)) return [];
  const Class = value as unknown as new (...args: string[]) => PowgateError;
  return [{ name, error: new Class('x', 'y') }];
});

describe('the error catalogue (lib/errors.ts)', () => {
  describe('README documents every message', () => {
    for (const message of Object.values(NodeError)) {
      it(`node: ${message}`, () => {
        expect(README).to.include(`\`${message}\``);
      });
    }
    for (const [name, message] of Object.entries(DpowError)) {
      it(`dpow: ${name}`, () => {
        const text = typeof message === 'function' ? (message as (...a: readonly string[]) => string)(...(PLACEHOLDERS[name] ?? [])) : message;
        expect(README).to.include(`\`${text}\``);
      });
    }
    for (const [name, message] of Object.entries(Message)) {
      it(`powgate: ${name}`, () => {
        const text = typeof message === 'function' ? (message as (...a: readonly string[]) => string)(...(PLACEHOLDERS[name] ?? [])) : message;
        expect(README).to.include(`\`${text}\``);
      });
    }
  });

  it('README documents every error code', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(README, code).to.include(`| \`${code}\` |`);
  });

  it('every message is used by the code (no entry left over)', () => {
    const unused = [
      ...Object.keys(NodeError).filter((key) => !SOURCE.includes(`NodeError.${key}`)),
      ...Object.keys(Message).filter((key) => !SOURCE.includes(`Message.${key}`)),
      ...Object.keys(DpowError).filter((key) => !SOURCE.includes(`DpowError.${key}`)),
    ];
    expect(unused).to.deep.equal([]);
    // The test reads real usage: it would fail on an invented name.
    expect(SOURCE.includes('NodeError.NoSuchMessage')).to.equal(false);
  });

  it('every code has exactly one subclass, and every subclass is used by the code', () => {
    expect(CLASSES.length).to.be.above(0);
    const codes = CLASSES.map((c) => c.error.code).sort();
    expect(codes).to.deep.equal(Object.keys(ERROR_CODES).sort());
    for (const { name, error } of CLASSES) {
      expect(error.name, name).to.equal(name);
      expect(SOURCE, name).to.match(new RegExp(`\\bnew ${name}\\(`));
    }
  });

  it('an error is only built through its subclass: isAbortError does not depend on how it was made', () => {
    expect(SOURCE).to.not.match(/new PowgateError\(/);
    expect(errors.isAbortError(new errors.CancelledError('Cancelled: another backend answered'))).to.equal(true);
    expect(errors.isAbortError(new DOMException('Aborted', 'AbortError'))).to.equal(true);
    expect(errors.isAbortError(new errors.BackendTimeoutError('peers: no answer within 10 ms'))).to.equal(false);
  });
});

describe('README has a security section', () => {
  const section = README.slice(README.indexOf('\n## Security\n'), README.indexOf('\n## ', README.indexOf('\n## Security\n') + 1));
  it('says what is exposed, what to keep private, and how to lock down /callback, the forwarder and the metrics listener', () => {
    expect(README).to.include('\n## Security\n');
    for (const key of [
      'rpc.allow',
      'node.rpc',
      'precache.callback_secret',
      'precache.callback_allow',
      'precache.callback_rate',
      'metrics.listen',
      'rpc.max_forwards',
      'rpc.receive_timeout',
      'Keep private',
    ]) {
      expect(section, key).to.include(key);
    }
  });
});

describe('README contents and operator path', () => {
  const readme = README;
  /** GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
  const anchor = (title: string): string =>
    title
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-');
  const headings = [...readme.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1] as string).filter((t) => t !== 'Contents');
  const contents = /^## Contents\n\n((?:\s*- \[.*\]\(#.*\)\n)+)/m.exec(readme)?.[1] ?? '';
  const links = [...contents.matchAll(/\(#([^)]+)\)/g)].map((m) => m[1] as string);

  it('lists every section and subsection in Contents, each link to a heading that exists', () => {
    expect(links).to.deep.equal(headings.map(anchor));
  });

  it('every in-page link points to a heading that exists', () => {
    const anchors = new Set(headings.map(anchor));
    const broken = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string).filter((a) => !anchors.has(a));
    expect(broken).to.deep.equal([]);
  });

  it('has the Operate path: work peer, a curl check, a scrape snippet, systemd, compose, Kubernetes, several instances', () => {
    const operate = readme.slice(readme.indexOf('## Operate'), readme.indexOf('\n## ', readme.indexOf('## Operate') + 1));
    for (const needle of [
      'work_peers',
      'work_threads = 0',
      'use_peers',
      '127.0.0.1',
      'curl',
      'scrape_configs',
      'deploy/powgate.service',
      'deploy/compose.yaml',
      'deploy/k8s',
      'lease',
    ]) {
      expect(operate, needle).to.contain(needle);
    }
  });
});
