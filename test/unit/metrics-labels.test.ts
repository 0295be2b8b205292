/** Integration counters' labels are built without a new hidden class per call (see integrationLabels). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integrationLabels } from '../../src/infrastructure/observability/metrics.js';
import { haveSameMap } from '../helpers/hidden-class.js';

test('integration counter labels name the connection, adapter and outcome, with one hidden class for every call', () => {
  const first = integrationLabels({ name: 'shop', adapter: 'shopify' }, 'received');
  assert.deepEqual(first, { connection: 'shop', adapter: 'shopify', outcome: 'received' });
  // Enough calls to reach what the server does: a spread's first few results shared a hidden
  // class, later ones each had their own.
  for (let i = 0; i < 50; i++) {
    const next = integrationLabels({ name: `shop ${i}`, adapter: 'quickbooks' }, 'applied');
    assert.ok(haveSameMap(first, next), 'labels with a hidden class of their own');
  }
});
