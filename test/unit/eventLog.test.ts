import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventLogLine } from '../../src/vscode/eventLog';

describe('event log lines', () => {
  it('says what happened, with component, level, route, reason and cost delta', () => {
    assert.deepEqual(eventLogLine({ type: 'failover', from: 'openai-main', to: 'claude', reason: 'rate_limited', addedMs: 340, costDeltaUsd: 0.0125 }),
      { component: 'failover', level: 'warn', text: 'openai-main -> claude after rate_limited (+340 ms; cost delta +$0.0125 at worst)' });
    assert.match(eventLogLine({ type: 'failover', from: 'a', to: 'b', reason: 'timeout', addedMs: 1 })!.text, /cost delta unknown/);
    assert.deepEqual(eventLogLine({ type: 'attempt', attempt: { route: 'a', provider: 'openai', model: 'm', tier: 'hot', outcome: 'rate_limited', skipped: false, httpStatus: 429, ms: 12.4, waitMs: 500, message: 'slow down' } }),
      { component: 'router', level: 'warn', text: 'a (hot, openai m): rate_limited HTTP 429 in 12 ms after waiting 500 ms: slow down' });
    assert.equal(eventLogLine({ type: 'breaker', route: 'a', state: 'open' })!.level, 'warn');
    assert.equal(eventLogLine({ type: 'failover-alert', failovers: 6, windowMs: 600_000 })!.text, '6 failovers within 10 min: a provider may be degraded');
    assert.equal(eventLogLine({ type: 'budget-threshold', percent: 80, spentUsd: 16, limitUsd: 20 })!.text, '80% of the $20.00 budget spent ($16.0000)');
    assert.equal(eventLogLine({ type: 'budget-gate', gate: 'manual-pause' })!.text, 'new requests are held (manual-pause); they are queued until you resume');
    assert.equal(eventLogLine({ type: 'budget-gate', gate: 'budget-invalid' })!.text, 'new requests are held (budget-invalid); they are queued until the budget setting is fixed');
  });
});
