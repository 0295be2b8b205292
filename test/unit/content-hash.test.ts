/** Stored link hashes depend on stableStringify's exact output: it must never change. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { contentHash, stableStringify } from '../../src/integration/contract/hash.js';

const sample = {
  b: [3, undefined, 'x', { z: null, a: true }],
  a: { 'quo"te': 'line\nbreak', skipped: undefined, n: 1.5 },
  when: new Date('2026-11-24T01:02:03.004Z'),
  é: '',
  A: [],
  e: {},
};
const expected = '{"A":[],"a":{"n":1.5,"quo\\"te":"line\\nbreak"},"b":[3,null,"x",{"a":true,"z":null}],"e":{},"when":"2026-11-24T01:02:03.004Z","é":""}';

test('keys sorted by code unit, undefined members left out (null in arrays), dates as ISO strings', () => {
  assert.equal(stableStringify(sample), expected);
  assert.equal(stableStringify([]), '[]');
  assert.equal(stableStringify('plain'), '"plain"');
  assert.equal(stableStringify(undefined), 'null');
});

test('the hash is sha256 of that text, whatever order the keys came in', () => {
  const reordered = { e: {}, A: [], é: '', when: new Date('2026-11-24T01:02:03.004Z'), a: { n: 1.5, 'quo"te': 'line\nbreak' }, b: [3, undefined, 'x', { a: true, z: null }] };
  assert.equal(contentHash(sample), createHash('sha256').update(expected).digest('hex'));
  assert.equal(contentHash(reordered), contentHash(sample));
});
