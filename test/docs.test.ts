import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { NodeError } from '../lib/errors.js';
import { Message } from '../lib/rpc/messages.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README documents every error message', () => {
  for (const message of Object.values(NodeError)) {
    it(`node: ${message}`, () => {
      expect(README).to.include(`\`${message}\``);
    });
  }
  for (const [name, message] of Object.entries(Message)) {
    it(`powgate: ${name}`, () => {
      const text = typeof message === 'function' ? (message as (x: unknown) => string)(name === 'bodyTooLarge' ? '<n>' : '<action>') : message;
      expect(README).to.include(`\`${text}\``);
    });
  }
});
