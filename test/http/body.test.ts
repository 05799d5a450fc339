import { expect } from 'chai';
import { jsonDepthExceeds } from '../../lib/http/body.js';

describe('http/body: jsonDepthExceeds (the node max_json_depth, 20)', () => {
  const nestedArrays = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
  const nestedObjects = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels - 1)}{"leaf":"1"}${'}'.repeat(levels - 1)}`);

  it('counts the top level as 1 and refuses the 21st', () => {
    for (const make of [nestedArrays, nestedObjects]) {
      expect(jsonDepthExceeds(make(20), 20)).to.equal(false);
      expect(jsonDepthExceeds(make(21), 20)).to.equal(true);
      expect(jsonDepthExceeds(make(500), 20)).to.equal(true);
    }
  });

  it('finds a deep branch after shallow siblings, in arrays and objects alike', () => {
    const deep = nestedObjects(20);
    expect(jsonDepthExceeds({ a: '1', b: [1, 2, { c: '3' }], d: deep }, 20)).to.equal(true);
    expect(jsonDepthExceeds([{}, [], [[deep]]], 20)).to.equal(true);
    expect(jsonDepthExceeds({ a: '1', b: [1, 2, { c: '3' }], d: nestedObjects(19) }, 20)).to.equal(false);
  });

  it('passes scalars and flat requests', () => {
    for (const value of [null, 1, 'x', true, {}, [], { action: 'work_generate', hash: 'AB' }]) expect(jsonDepthExceeds(value, 20)).to.equal(false);
  });
});
