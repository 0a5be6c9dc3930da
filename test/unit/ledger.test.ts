import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBudget } from '../../src/gateway/budgetConfig';
import { Ledger, type BudgetEvent } from '../../src/gateway/ledger';
import { costUsd, priceOf } from '../../src/gateway/prices';
import type { Route } from '../../src/gateway/routes';
import type { SpendHold } from '../../src/gateway/spendGuard';
import { tempDir } from './support/tempDir';

// $1 per million input and $2 per million output tokens: easy sums.
const ROUTE: Route = { id: 'r', tier: 'hot', provider: 'openai', model: 'house-model', baseUrl: 'https://x.test', inputPricePerMTok: 1, outputPricePerMTok: 2 };

describe('prices', () => {
  it('uses the route prices, else the shipped table by model family, else nothing', () => {
    assert.deepEqual(priceOf(ROUTE), { inputPerMTok: 1, outputPerMTok: 2 });
    assert.deepEqual(priceOf({ ...ROUTE, inputPricePerMTok: undefined, outputPricePerMTok: undefined, model: 'gpt-4o-mini-2024-07-18' }), { inputPerMTok: 0.15, outputPerMTok: 0.6 });
    assert.deepEqual(priceOf({ ...ROUTE, inputPricePerMTok: undefined, outputPricePerMTok: undefined, model: 'gpt-4o-2024-08-06' }), { inputPerMTok: 2.5, outputPerMTok: 10 });
    assert.deepEqual(priceOf({ ...ROUTE, inputPricePerMTok: 9, outputPricePerMTok: undefined, model: 'claude-sonnet-4-5' }), { inputPerMTok: 9, outputPerMTok: 15 });
    assert.equal(priceOf({ ...ROUTE, inputPricePerMTok: undefined, outputPricePerMTok: undefined, model: 'llama3' }), undefined);
    assert.equal(costUsd({ inputPerMTok: 1, outputPerMTok: 2 }, 1_000_000, 500_000), 2);
  });
});

describe('budget config', () => {
  it('reads a budget and reports bad fields', () => {
    assert.deepEqual(parseBudget({ limitUsd: 5, period: 'day', pauseAtPercent: 90 }).budget, { limitUsd: 5, period: 'day', pauseAtPercent: 90 });
    const { budget, problems } = parseBudget({ limitUsd: -1, period: 'week', extra: 1 });
    assert.deepEqual(budget, { period: 'month', pauseAtPercent: 80 });
    assert.equal(problems.length, 3);
    assert.match(problems.join('\n'), /"period" is "week"; allowed: "day", "month"/);
  });
});

describe('ledger', () => {
  it('holds the worst case before a try and replaces it with the real cost after', async () => {
    const ledger = await Ledger.open(await tempDir(), { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    const hold = ledger.reserve(ROUTE, 100_000, 50_000, 'req-1') as SpendHold;
    assert.equal(typeof hold, 'object');
    // 100k input x 1.1 margin x $1/M + 50k output x $2/M = 0.11 + 0.10
    assert.ok(Math.abs(ledger.status().reservedUsd - 0.21) < 1e-9);
    hold.settle({ inputTokens: 100_000, outputTokens: 10_000 }, true);
    const status = ledger.status();
    assert.equal(status.reservedUsd, 0);
    assert.ok(Math.abs(status.spentUsd - 0.12) < 1e-9);
    assert.deepEqual(ledger.entries().map((e) => [e.route, e.requestId, e.estimated]), [['r', 'req-1', false]]);
  });

  it('refuses a try whose worst case does not fit beside the holds of tries in flight', async () => {
    const ledger = await Ledger.open(await tempDir(), { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    const holds: SpendHold[] = [];
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const hold = ledger.reserve(ROUTE, 0, 100_000, `req-${i}`); // $0.20 each
      if (typeof hold === 'string') {
        refused++;
        assert.match(hold, /does not fit the monthly budget: \$0\.0000 spent and \$0\.4000 held of \$0\.50/);
      } else holds.push(hold);
    }
    assert.equal(holds.length, 2);
    assert.equal(refused, 8);
  });

  it('charges the whole hold for a try that may have been billed without usage, and nothing for one that was not sent', async () => {
    const ledger = await Ledger.open(await tempDir(), { limitUsd: 10, period: 'month', pauseAtPercent: 80 });
    (ledger.reserve(ROUTE, 0, 100_000, 'timed-out') as SpendHold).settle(undefined, true);
    (ledger.reserve(ROUTE, 0, 100_000, 'refused-429') as SpendHold).settle(undefined, false);
    assert.ok(Math.abs(ledger.status().spentUsd - 0.2) < 1e-9);
    assert.deepEqual(ledger.entries().map((e) => [e.requestId, e.estimated]), [['timed-out', true]]);
  });

  it('refuses an unpriced model when a limit is set, saying which fields to set', async () => {
    const ledger = await Ledger.open(await tempDir(), { limitUsd: 10, period: 'month', pauseAtPercent: 80 });
    const refused = ledger.reserve({ ...ROUTE, model: 'llama3', inputPricePerMTok: undefined, outputPricePerMTok: undefined }, 10, 10, 'x');
    assert.equal(refused, 'no price is known for model "llama3"; set inputPricePerMTok and outputPricePerMTok on route "r" so the budget can hold its cost');
  });

  it('pauses new requests at the threshold until resumed, stops at 100%, and says so in events', async () => {
    const events: BudgetEvent[] = [];
    const ledger = await Ledger.open(await tempDir(), { limitUsd: 1, period: 'month', pauseAtPercent: 80 }, { onEvent: (e) => events.push(e) });
    assert.equal(ledger.gate(), undefined);
    (ledger.reserve(ROUTE, 0, 400_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 400_000 }, true); // $0.80
    assert.equal(ledger.gate(), 'budget-paused');
    ledger.resume();
    assert.equal(ledger.gate(), undefined);
    assert.equal(ledger.status().resumed, true);
    (ledger.reserve(ROUTE, 0, 100_000, 'b') as SpendHold).settle({ inputTokens: 0, outputTokens: 100_000 }, true); // $1.00
    assert.equal(ledger.gate(), 'budget-exhausted');
    ledger.resume();
    assert.equal(ledger.gate(), 'budget-exhausted', 'resume does not lift the hard stop');
    assert.deepEqual(events, [
      { type: 'budget-threshold', percent: 50, spentUsd: 0.8, limitUsd: 1 },
      { type: 'budget-threshold', percent: 80, spentUsd: 0.8, limitUsd: 1 },
      { type: 'budget-gate', gate: 'budget-paused' },
      { type: 'budget-gate', gate: undefined },
      { type: 'budget-threshold', percent: 100, spentUsd: 1, limitUsd: 1 },
      { type: 'budget-gate', gate: 'budget-exhausted' },
    ]);
  });

  it('pauses and resumes by hand', async () => {
    const ledger = await Ledger.open(await tempDir(), { period: 'month', pauseAtPercent: 80 });
    ledger.pause();
    assert.equal(ledger.gate(), 'manual-pause');
    ledger.resume();
    assert.equal(ledger.gate(), undefined);
  });

  it('starts a new period with nothing spent and the pause lifted', async () => {
    let now = Date.parse('2026-11-23T23:59:00Z');
    const ledger = await Ledger.open(await tempDir(), { limitUsd: 1, period: 'day', pauseAtPercent: 80 }, { now: () => now });
    (ledger.reserve(ROUTE, 0, 450_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 450_000 }, true);
    assert.equal(ledger.gate(), 'budget-paused');
    now = Date.parse('2026-11-24T00:00:01Z');
    assert.equal(ledger.gate(), undefined);
    assert.equal(ledger.status().spentUsd, 0);
    assert.equal(ledger.status().periodKey, '2026-11-24');
  });

  it('keeps spend, pause and resume across a restart', async () => {
    const dir = await tempDir();
    const first = await Ledger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    (first.reserve(ROUTE, 0, 420_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 420_000 }, true);
    first.pause();
    const journal = await readFile(join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`), 'utf8');
    assert.equal(journal.trim().split('\n').length, 1);
    assert.equal(JSON.parse(await readFile(join(dir, 'budget-state.json'), 'utf8')).manualPause, true);
    const second = await Ledger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    assert.ok(Math.abs(second.status().spentUsd - 0.84) < 1e-9);
    assert.equal(second.gate(), 'manual-pause');
  });

  it('shares spend and pauses between processes on one state folder (two windows, a CLI run)', async () => {
    const dir = await tempDir();
    const windowA = await Ledger.open(dir, { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    const windowB = await Ledger.open(dir, { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    (windowA.reserve(ROUTE, 0, 200_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 200_000 }, true); // $0.40
    assert.ok(Math.abs(windowB.status().spentUsd - 0.4) < 1e-9, 'B sees what A spent');
    assert.match(String(windowB.reserve(ROUTE, 0, 100_000, 'b')), /does not fit/, 'so B cannot spend past the shared limit');
    windowB.pause();
    assert.equal(windowA.gate(), 'manual-pause', 'A sees the pause B set');
    windowA.resume();
    assert.equal(windowB.gate(), undefined);
  });

  it('skips a torn last line of the journal and keeps later charges', async () => {
    const dir = await tempDir();
    const ledger = await Ledger.open(dir, { period: 'month', pauseAtPercent: 80 });
    const month = new Date().toISOString().slice(0, 7);
    await mkdir(join(dir, 'ledger'), { recursive: true });
    await writeFile(join(dir, 'ledger', `charges-${month}.jsonl`), '{"at":"2026-11-01T00:00:00Z","route":"r","requestId":"x","usd":0.1,"estimated":false}\n{"at":"2026-11-01T00:0');
    (ledger.reserve(ROUTE, 0, 100_000, 'next') as SpendHold).settle({ inputTokens: 0, outputTokens: 100_000 }, true); // $0.20
    const fresh = await Ledger.open(dir, { period: 'month', pauseAtPercent: 80 });
    assert.deepEqual(fresh.entries().map((e) => e.requestId), ['x', 'next']);
    assert.ok(Math.abs(fresh.status().spentUsd - 0.3) < 1e-9);
  });

});
