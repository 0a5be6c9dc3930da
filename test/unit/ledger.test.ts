import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFile, chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBudget } from '../../src/gateway/guardrails/budgetConfig';
import type { BudgetEvent } from '../../src/gateway/guardrails/ledger';
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import { READ_FRESH_MS } from '../../src/gateway/guardrails/local/stateFiles';
import { costUsd, priceOf } from '../../src/gateway/routing/prices';
import type { Route } from '../../src/gateway/routing/routes';
import type { SpendHold } from '../../src/gateway/guardrails/spendGuard';
import { tempDir } from './support/tempDir';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for a ledger to read again what another process wrote (it reuses a read that long). */
const othersSeen = () => sleep(READ_FRESH_MS + 1);

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
  it('reads a budget', () => {
    assert.deepEqual(parseBudget({ limitUsd: 5, period: 'day', pauseAtPercent: 90 }), { budget: { limitUsd: 5, period: 'day', pauseAtPercent: 90 }, problems: [] });
    assert.deepEqual(parseBudget({ limitUsd: null }).budget, { period: 'month', pauseAtPercent: 80 }, 'null is no limit, as in settings');
  });

  it('fails closed on a bad limit, period, pause share or unknown key: the budget is invalid and one line names the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ limitUsd: '5' }, /^Budget: "limitUsd" is "5" \(a string\); set it to a number of US dollars from 0 to 100000, such as 20 \(or remove it for no limit\)\. Nothing is sent until it is fixed\.$/],
      [{ limitUsd: -1 }, /"limitUsd" is -1;/],
      [{ limitUsd: Number.NaN }, /"limitUsd" is NaN;/],
      [{ limitUsd: 1e9 }, /"limitUsd" is 1000000000;/],
      [{ limitUsd: 5, period: 'week' }, /"period" is "week" \(a string\); set it to "day" or "month"/],
      [{ limitUsd: 5, pauseAtPercent: '50' }, /"pauseAtPercent" is "50"/],
      [{ limitUSD: 5 }, /"limitUSD" is not a budget setting \(did you mean "limitUsd"\?\); known: limitUsd, period, pauseAtPercent/],
      ['5', /must be an object/],
    ];
    for (const [input, line] of bad) {
      const { budget, problems } = parseBudget(input);
      assert.equal(problems.length, 1, JSON.stringify(input));
      assert.match(problems[0]!, line);
      assert.equal(budget.invalid, problems[0], `${JSON.stringify(input)} must fail closed`);
    }
  });
});

describe('ledger', () => {
  it('holds the worst case before a try and replaces it with the real cost after', async () => {
    const ledger = await LocalLedger.open(await tempDir(), { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
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
    const ledger = await LocalLedger.open(await tempDir(), { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
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
    const ledger = await LocalLedger.open(await tempDir(), { limitUsd: 10, period: 'month', pauseAtPercent: 80 });
    (ledger.reserve(ROUTE, 0, 100_000, 'timed-out') as SpendHold).settle(undefined, true);
    (ledger.reserve(ROUTE, 0, 100_000, 'refused-429') as SpendHold).settle(undefined, false);
    assert.ok(Math.abs(ledger.status().spentUsd - 0.2) < 1e-9);
    assert.deepEqual(ledger.entries().map((e) => [e.requestId, e.estimated]), [['timed-out', true]]);
  });

  it('refuses an unpriced model when a limit is set, saying which fields to set', async () => {
    const ledger = await LocalLedger.open(await tempDir(), { limitUsd: 10, period: 'month', pauseAtPercent: 80 });
    const refused = ledger.reserve({ ...ROUTE, model: 'llama3', inputPricePerMTok: undefined, outputPricePerMTok: undefined }, 10, 10, 'x');
    assert.equal(refused, 'no price is known for model "llama3"; set inputPricePerMTok and outputPricePerMTok on route "r" so the budget can hold its cost');
  });

  it('pauses new requests at the threshold until resumed, stops at 100%, and says so in events', async () => {
    const events: BudgetEvent[] = [];
    const ledger = await LocalLedger.open(await tempDir(), { limitUsd: 1, period: 'month', pauseAtPercent: 80 }, { onEvent: (e) => events.push(e) });
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
    const ledger = await LocalLedger.open(await tempDir(), { period: 'month', pauseAtPercent: 80 });
    ledger.pause();
    assert.equal(ledger.gate(), 'manual-pause');
    ledger.resume();
    assert.equal(ledger.gate(), undefined);
  });

  it('starts a new period with nothing spent and the pause lifted', async () => {
    let now = Date.parse('2026-11-23T23:59:00Z');
    const ledger = await LocalLedger.open(await tempDir(), { limitUsd: 1, period: 'day', pauseAtPercent: 80 }, { now: () => now });
    (ledger.reserve(ROUTE, 0, 450_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 450_000 }, true);
    assert.equal(ledger.gate(), 'budget-paused');
    now = Date.parse('2026-11-24T00:00:01Z');
    assert.equal(ledger.gate(), undefined);
    assert.equal(ledger.status().spentUsd, 0);
    assert.equal(ledger.status().periodKey, '2026-11-24');
  });

  it('keeps spend, pause and resume across a restart', async () => {
    const dir = await tempDir();
    const first = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    (first.reserve(ROUTE, 0, 420_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 420_000 }, true);
    first.pause();
    first.close(); // what a restart does first: the charge is written
    const journal = await readFile(join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`), 'utf8');
    assert.deepEqual(journal.trim().split('\n').map((l) => JSON.parse(l).kind ?? 'charge'), ['hold', 'charge'], 'the hold, then the charge that settles it');
    assert.equal(JSON.parse(await readFile(join(dir, 'budget-state.json'), 'utf8')).manualPause, true);
    const second = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    assert.ok(Math.abs(second.status().spentUsd - 0.84) < 1e-9);
    assert.equal(second.gate(), 'manual-pause');
  });

  it('shares spend and pauses between processes on one state folder (two windows, a CLI run)', async () => {
    const dir = await tempDir();
    const windowA = await LocalLedger.open(dir, { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    const windowB = await LocalLedger.open(dir, { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    (windowA.reserve(ROUTE, 0, 200_000, 'a') as SpendHold).settle({ inputTokens: 0, outputTokens: 200_000 }, true); // $0.40
    // A charge is written within a few milliseconds (flushed() writes it now); another process reads it after.
    await windowA.flushed();
    await nextTurn();
    assert.ok(Math.abs(windowB.status().spentUsd - 0.4) < 1e-9, 'B sees what A spent');
    assert.match(String(windowB.reserve(ROUTE, 0, 100_000, 'b')), /does not fit/, 'so B cannot spend past the shared limit');
    windowB.pause();
    assert.equal(windowA.gate(), 'manual-pause', 'A sees the pause B set');
    windowA.resume();
    assert.equal(windowB.gate(), undefined);
  });

  it('refuses every try while the budget setting is invalid, and says which setting to fix', async () => {
    const { budget } = parseBudget({ limitUsd: '5' });
    const ledger = await LocalLedger.open(await tempDir(), budget);
    assert.equal(ledger.gate(), 'budget-invalid');
    assert.match(String(ledger.reserve(ROUTE, 10, 10, 'x')), /the budget setting is invalid: Budget: "limitUsd" is "5"/);
    assert.match(String(ledger.refusal(ROUTE, 10, 10)), /"limitUsd" is "5"/);
    ledger.resume();
    assert.equal(ledger.gate(), 'budget-invalid', 'resuming does not lift it: only fixing the setting does');
    assert.deepEqual(ledger.status().problems, [budget.invalid]);
  });

  it('a pause keeps what another window resumed a moment before (it reads the state afresh)', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    assert.equal(ledger.gate(), undefined); // the state just read, and reusable for a few ms
    const resumed = { manualPause: false, resumedPeriodKey: ledger.status().periodKey };
    writeFileSync(join(dir, 'budget-state.json'), JSON.stringify(resumed)); // another window resumes
    ledger.pause();
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'budget-state.json'), 'utf8')), { ...resumed, manualPause: true });
  });

  it('holds requests as paused while budget-state.json is unreadable, until resume rewrites it', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    ledger.pause();
    for (const corrupt of ['{"manualPause":tru', 'null', '{"manualPause":"no"}', '[]']) {
      await writeFile(join(dir, 'budget-state.json'), corrupt);
      await othersSeen();
      assert.equal(ledger.gate(), 'manual-pause', `${corrupt} must not lift the pause`);
      assert.match(ledger.status().problems.join('\n'), /budget-state\.json cannot be read .*held as paused: resume to rewrite it/);
      assert.ok(ledger.status().problems.every((p) => !p.includes('\n')), 'one line each');
      assert.equal(typeof ledger.reserve(ROUTE, 0, 10, 'x'), 'object', 'a try already under way still settles');
    }
    const fresh = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    assert.equal(fresh.gate(), 'manual-pause', 'a new process reading the corrupt file holds too');
    fresh.resume();
    assert.equal(ledger.gate(), undefined);
    assert.deepEqual(ledger.status().problems, []);
  });

  it('counts each unreadable journal line at the whole limit and names it; never as zero or negative', async () => {
    // Worst case of a line that cannot be read: no try is ever held for more than the limit, so
    // the limit is the most that line can stand for. Counting it so stops sending (the budget is
    // spent) until the line is corrected or deleted, and the status says which line.
    const dir = await tempDir();
    const month = new Date().toISOString().slice(0, 7);
    const at = new Date().toISOString();
    const line = (usd: unknown, id: string) => JSON.stringify({ at, route: 'r', requestId: id, usd, estimated: false });
    await mkdir(join(dir, 'ledger'), { recursive: true });
    const file = join(dir, 'ledger', `charges-${month}.jsonl`);
    for (const bad of ['{"at":"2026-11-01T00:0', line('0.5', 'text'), line(-100, 'negative'), line(Number.NaN, 'nan'), '{"route":"r"}']) {
      await writeFile(file, `${line(0.015, 'a')}\n${bad}\n${line(0.03, 'b')}\n`);
      const ledger = await LocalLedger.open(dir, { limitUsd: 5, period: 'month', pauseAtPercent: 80 });
      const status = ledger.status();
      assert.ok(Math.abs(status.spentUsd - 5.045) < 1e-9, `${bad}: spent ${status.spentUsd}`);
      assert.equal(status.unreadableCharges, 1);
      assert.match(status.problems.join('\n'), /line 2 of .*charges-\d{4}-\d{2}\.jsonl is not a charge .*; counted as \$5\.00 \(the whole limit\) until it is corrected or deleted/);
      assert.equal(ledger.gate(), 'budget-exhausted');
      assert.match(String(ledger.reserve(ROUTE, 0, 10, 'c')), /does not fit/);
      assert.deepEqual(ledger.entries().map((e) => e.requestId), ['a', 'b']);
    }
    // Without a limit there is no largest hold: the line is still reported, and the sum says it is a floor.
    const unlimited = await LocalLedger.open(dir, { period: 'month', pauseAtPercent: 80 });
    assert.equal(unlimited.status().unreadableCharges, 1);
  });

  it('an append after a torn last line starts a fresh line, and the torn one is counted as unreadable', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 100 });
    const month = new Date().toISOString().slice(0, 7);
    await mkdir(join(dir, 'ledger'), { recursive: true });
    await writeFile(join(dir, 'ledger', `charges-${month}.jsonl`), '{"at":"2026-11-01T00:00:00Z","route":"r","requestId":"x","usd":0.1,"estimated":false}\n{"at":"2026-11-01T00:0');
    (ledger.reserve(ROUTE, 0, 100_000, 'next') as SpendHold).settle({ inputTokens: 0, outputTokens: 100_000 }, true); // $0.20
    await ledger.flushed();
    const fresh = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 100 });
    assert.deepEqual(fresh.entries().map((e) => e.requestId), ['x', 'next']);
    assert.equal(fresh.status().unreadableCharges, 1);
    assert.equal(fresh.gate(), 'budget-exhausted');
  });

  it('shares holds through the state folder: a second ledger sees the first one\'s hold before it is settled', async () => {
    const dir = await tempDir();
    const windowA = await LocalLedger.open(dir, { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    const windowB = await LocalLedger.open(dir, { limitUsd: 0.5, period: 'month', pauseAtPercent: 100 });
    const hold = windowA.reserve(ROUTE, 0, 200_000, 'a') as SpendHold; // $0.40 held
    assert.equal(typeof hold, 'object');
    // Two windows are two processes, here in one: a ledger reads the journal again when another
    // journal of its process wrote (another process's lines after READ_FRESH_MS), and under the lock.
    await nextTurn();
    assert.ok(Math.abs(windowB.status().reservedUsd - 0.4) < 1e-9, 'B sees the hold of A');
    assert.match(String(windowB.reserve(ROUTE, 0, 100_000, 'b')), /\$0\.4000 held of \$0\.50/);
    hold.settle({ inputTokens: 0, outputTokens: 50_000 }, true); // $0.10
    await windowA.flushed();
    await nextTurn();
    assert.equal(windowB.status().reservedUsd, 0);
    assert.equal(typeof windowB.reserve(ROUTE, 0, 100_000, 'b'), 'object', 'the settled hold frees the rest');
  });

  it('releases the hold of a process that died, and any hold past its expiry', async () => {
    const dir = await tempDir();
    let now = Date.now();
    const config = { limitUsd: 1, period: 'month' as const, pauseAtPercent: 100 };
    const live = await LocalLedger.open(dir, config, { now: () => now, holdTtlMs: 60_000 });
    assert.equal(typeof live.reserve(ROUTE, 0, 200_000, 'live'), 'object'); // $0.40, never settled
    // A hold written by a process that has exited since.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const month = new Date(now).toISOString().slice(0, 7);
    const at = new Date(now).toISOString();
    await appendFile(join(dir, 'ledger', `charges-${month}.jsonl`), `${JSON.stringify({ kind: 'hold', id: 'h-dead', at, route: 'r', requestId: 'dead', usd: 0.5, owner: dead, expiresAt: new Date(now + 60_000).toISOString() })}\n`);
    const other = await LocalLedger.open(dir, config, { now: () => now });
    assert.ok(Math.abs(other.status().reservedUsd - 0.4) < 1e-9, 'only the live hold counts');
    now += 61_000;
    assert.equal(other.status().reservedUsd, 0, 'an expired hold no longer counts');
  });

  it('keeps the ledger consistent when the lock file is left by a process that died', async () => {
    const dir = await tempDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await mkdir(join(dir, 'ledger'), { recursive: true });
    await writeFile(join(dir, 'ledger', 'lock'), `${dead} stale ${Date.now()}`);
    const ledger = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 100 });
    const started = performance.now();
    const hold = ledger.reserve(ROUTE, 0, 100_000, 'a') as SpendHold;
    assert.equal(typeof hold, 'object');
    hold.settle({ inputTokens: 0, outputTokens: 100_000 }, true);
    assert.ok(performance.now() - started < 1000, 'the dead owner\'s lock is taken over at once');
    assert.ok(Math.abs(ledger.status().spentUsd - 0.2) < 1e-9);
    // Kept to the end of the turn, so holds of one burst share it; released then.
    await nextTurn();
    await assert.rejects(readFile(join(dir, 'ledger', 'lock')), /ENOENT/, 'the lock is released after use');
  });
});

describe('ledger leases', () => {
  const SMALL = costUsd(priceOf(ROUTE)!, 1100, 1000); // a try of 1,000 input (held as 1,100) and 1,000 output tokens
  const journalOf = async (dir: string) => (await readFile(join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`), 'utf8'))
    .trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('holds small tries from one lease: one journal line for it, a charge per try naming it, written within milliseconds', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 10, period: 'month', pauseAtPercent: 80 });
    const holds = Array.from({ length: 20 }, (_, i) => ledger.reserve(ROUTE, 1000, 1000, `q${i}`) as SpendHold);
    assert.ok(holds.every((h) => typeof h === 'object'));
    const [lease, ...rest] = await journalOf(dir);
    assert.deepEqual(rest, [], 'twenty tries, one line');
    assert.equal(lease!.kind, 'hold');
    assert.equal(lease!.lease, true);
    assert.ok(Math.abs((lease!.usd as number) - 0.5) < 1e-9, 'a lease holds 5% of the limit');
    assert.ok(Math.abs(ledger.status().reservedUsd - 20 * SMALL) < 1e-9, 'this ledger counts its tries in flight, not the lease');
    for (const hold of holds) hold.settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    assert.ok(Math.abs(ledger.status().spentUsd - 20 * SMALL) < 1e-9, 'charged at once in its own figures');
    assert.equal(ledger.status().reservedUsd, 0);
    const file = join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1, 'not written yet');
    await sleep(30);
    const charges = (await journalOf(dir)).slice(1);
    assert.equal(charges.length, 20);
    assert.ok(charges.every((c) => c.lease === lease!.id && c.kind === undefined && c.hold === undefined));
    assert.deepEqual(ledger.entries().map((e) => e.requestId), holds.map((_, i) => `q${i}`));
    ledger.close();
  });

  it('writes at once when many records wait, even if the loop never yields to its timers', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 100, period: 'month', pauseAtPercent: 80 });
    const file = join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`);
    // One synchronous run: no timer can fire in it.
    for (let i = 0; i < 600; i++) (ledger.reserve(ROUTE, 1000, 1000, `q${i}`) as SpendHold).settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    const written = readFileSync(file, 'utf8').trim().split('\n').length;
    assert.ok(written >= 512, `${written} lines written before the turn ended`);
    assert.ok(written < 601, 'the rest waits for its timer');
    await ledger.flushed();
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 601, 'the lease and 600 charges');
    ledger.close();
  });

  it('a hold that cannot be written is refused and not counted, and nothing of it is written later', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 10, period: 'month', pauseAtPercent: 80 });
    const file = join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`);
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    symlinkSync('/dev/full', file);
    const refused = ledger.reserve(ROUTE, 1000, 1000, 'full');
    assert.match(String(refused), /the spend ledger cannot hold its cost now: .*ENOSPC/);
    assert.equal(ledger.status().reservedUsd, 0, 'the hold that was not written is not counted');
    // The disk has room again (a new file): the next try is held, and only its own lease is written.
    unlinkSync(file);
    writeFileSync(file, '');
    await nextTurn();
    const held = ledger.reserve(ROUTE, 1000, 1000, 'room') as SpendHold;
    assert.equal(typeof held, 'object', String(held));
    held.settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    await ledger.flushed();
    const records = await journalOf(dir);
    assert.deepEqual(records.map((r) => r.kind ?? r.requestId), ['hold', 'room'], 'one lease and its charge; nothing of the refused try');
    ledger.close();
  });

  it('another process counts a lease as held, less what its charges drew, and nothing once it is given back', async () => {
    const dir = await tempDir();
    const config = { limitUsd: 10, period: 'month' as const, pauseAtPercent: 80 };
    const windowA = await LocalLedger.open(dir, config, { leaseIdleMs: 30 });
    const windowB = await LocalLedger.open(dir, config);
    const first = windowA.reserve(ROUTE, 1000, 1000, 'a1') as SpendHold;
    const second = windowA.reserve(ROUTE, 1000, 1000, 'a2') as SpendHold;
    first.settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    await windowA.flushed();
    await nextTurn();
    const b = windowB.status();
    assert.ok(Math.abs(b.spentUsd - SMALL) < 1e-9);
    assert.ok(Math.abs(b.reservedUsd - (0.5 - SMALL)) < 1e-9, `B counts the lease less what was drawn: ${b.reservedUsd}`);
    // B's room is the limit less A's spend and A's whole lease.
    assert.match(String(windowB.reserve(ROUTE, 0, 4_760_000, 'too-big')), /does not fit the monthly budget: \$0\.0031 spent and \$0\.4969 held of \$10\.00/);
    second.settle(undefined, false);
    // Idle for leaseIdleMs: given back.
    await new Promise((resolve) => setTimeout(resolve, 80));
    await nextTurn();
    assert.equal(windowB.status().reservedUsd, 0, 'an idle lease is given back');
    assert.equal((await journalOf(dir)).at(-1)!.kind, 'release');
    windowA.close();
    windowB.close();
  });

  it('gives a lease back only once it has been idle for leaseIdleMs since its last try, however many tries came and went', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 10, period: 'month', pauseAtPercent: 80 }, { leaseIdleMs: 1000 });
    const kinds = async () => (await journalOf(dir)).map((r) => (r.kind === 'hold' ? (r.lease ? 'lease' : 'hold') : r.kind ?? 'charge'));
    (ledger.reserve(ROUTE, 1000, 1000, 'first') as SpendHold).settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    await sleep(600);
    // 600 ms after the first try ended: the lease still serves this one.
    (ledger.reserve(ROUTE, 1000, 1000, 'second') as SpendHold).settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    await sleep(600);
    // 1.2 s after the first try, 0.6 s after the last: idle for less than leaseIdleMs, so still held.
    assert.deepEqual(await kinds(), ['lease', 'charge', 'charge'], 'one lease for both tries, not given back yet');
    await sleep(600);
    assert.deepEqual(await kinds(), ['lease', 'charge', 'charge', 'release'], 'given back once idle for leaseIdleMs');
    ledger.close();
  });

  it('within the last share of the limit each try is held on its own, and a try that does not fit is refused', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { limitUsd: 1, period: 'month', pauseAtPercent: 100 });
    (ledger.reserve(ROUTE, 0, 480_000, 'big') as SpendHold).settle({ inputTokens: 0, outputTokens: 480_000 }, true); // $0.96
    const near = ledger.reserve(ROUTE, 1000, 1000, 'near') as SpendHold;
    assert.equal(typeof near, 'object');
    await nextTurn();
    const last = (await journalOf(dir)).at(-1)!;
    assert.deepEqual([last.kind, last.requestId, last.lease], ['hold', 'near', undefined], 'a hold of its own, no lease');
    assert.match(String(ledger.reserve(ROUTE, 0, 20_000, 'over')), /does not fit/);
    near.settle({ inputTokens: 1100, outputTokens: 1000 }, true);
    assert.ok(Math.abs(ledger.status().spentUsd - (0.96 + SMALL)) < 1e-9);
    ledger.close();
  });

  it('reads its own records back among another process\'s without counting them twice, line numbers kept', async () => {
    const dir = await tempDir();
    const config = { limitUsd: 10, period: 'month' as const, pauseAtPercent: 100 };
    const windowA = await LocalLedger.open(dir, config);
    const windowB = await LocalLedger.open(dir, config);
    const small = windowA.reserve(ROUTE, 1000, 1000, 'a') as SpendHold; // from a lease
    await nextTurn();
    small.settle({ inputTokens: 1100, outputTokens: 1000 }, true); // waiting to be written
    const big = windowB.reserve(ROUTE, 0, 480_000, 'b') as SpendHold; // $0.96: a hold of its own
    big.settle({ inputTokens: 0, outputTokens: 480_000 }, true);
    await windowB.flushed();
    // A's charge lands after B's lines, so A reads B's lines and its own back.
    await windowA.flushed();
    await appendFile(join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`), 'not a record\n');
    await othersSeen();
    for (const [who, ledger] of [['A', windowA], ['a new reader', await LocalLedger.open(dir, config)]] as const) {
      const status = ledger.status();
      assert.ok(Math.abs(status.spentUsd - (SMALL + 0.96 + 10)) < 1e-9, `${who}: spent ${status.spentUsd} (the unreadable line counts as the whole limit)`);
      assert.deepEqual(ledger.entries().map((e) => e.requestId).sort(), ['a', 'b'], who);
      assert.match(status.problems.join('\n'), /line 5 of /, `${who} numbers the unreadable line as the file does`);
    }
    windowA.close();
    windowB.close();
  });

  it('4 processes of 150 tries each, every charge equal to its hold, never spend past a $1 limit and lose no charge', async (t) => {
    const stateDir = await tempDir();
    const setup = JSON.stringify({ stateDir, limitUsd: 1, tries: 150, wave: 10, route: ROUTE });
    const script = join(__dirname, '..', 'support', 'localLedgerClient.js');
    const runs = await Promise.all(Array.from({ length: 4 }, () => new Promise<{ settled: number; refused: number; refusal?: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [script, setup], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`client exited with ${code}: ${err}`))));
    })));
    const settled = runs.reduce((n, r) => n + r.settled, 0);
    const refused = runs.reduce((n, r) => n + r.refused, 0);
    const records = await journalOf(stateDir);
    const charges = records.filter((r) => r.kind === undefined);
    const leases = records.filter((r) => r.kind === 'hold' && r.lease === true);
    const reader = await LocalLedger.open(stateDir, { limitUsd: 1, period: 'month', pauseAtPercent: 100 });
    const status = reader.status();
    t.diagnostic(`4 x 150 tries of $${SMALL.toFixed(4)} under $1: ${settled} settled, ${refused} refused, spent $${status.spentUsd.toFixed(4)}, ${leases.length} leases, ${records.length} journal lines`);
    assert.equal(settled + refused, 600);
    assert.ok(refused > 0, 'the limit was tight enough to refuse some');
    assert.ok(status.spentUsd <= 1 + 1e-9, `spent $${status.spentUsd}`);
    assert.equal(charges.length, settled, 'one charge for every settled try');
    assert.ok(Math.abs(status.spentUsd - settled * SMALL) < 1e-9, 'the spend is every settled try');
    assert.equal(status.reservedUsd, 0, 'every lease was given back');
    assert.ok(leases.length > 0 && leases.length < settled / 4, `${leases.length} leases for ${settled} tries`);
    for (const r of runs) if (r.refusal) assert.match(r.refusal, /does not fit the monthly budget/);
    reader.close();
  });

  it('with no limit, holds cost no file operation and only charges are written', async () => {
    const dir = await tempDir();
    const ledger = await LocalLedger.open(dir, { period: 'month', pauseAtPercent: 80 });
    const hold = ledger.reserve(ROUTE, 1000, 1000, 'free') as SpendHold;
    assert.ok(Math.abs(ledger.status().reservedUsd - SMALL) < 1e-9);
    await assert.rejects(readFile(join(dir, 'ledger', `charges-${new Date().toISOString().slice(0, 7)}.jsonl`)), /ENOENT/);
    hold.settle({ inputTokens: 1000, outputTokens: 10 }, true);
    await sleep(30);
    assert.deepEqual((await journalOf(dir)).map((r) => [r.kind, r.requestId]), [[undefined, 'free']]);
    ledger.close();
  });
});

describe('ledger files', () => {
  it('are the user\'s only: the journal and budget state 0600 in a 0700 folder, an older 0644 journal narrowed', async () => {
    const dir = await tempDir();
    const month = new Date().toISOString().slice(0, 7);
    await mkdir(join(dir, 'ledger'), { recursive: true, mode: 0o755 });
    const older = join(dir, 'ledger', `charges-${month}.jsonl`);
    await writeFile(older, '', { mode: 0o644 });
    await chmod(older, 0o644);
    const ledger = await LocalLedger.open(dir, parseBudget({ limitUsd: 5 }).budget);
    (ledger.reserve(ROUTE, 100, 100, 'req-modes') as SpendHold).settle({ inputTokens: 100, outputTokens: 100 }, true);
    ledger.pause();
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    assert.equal(await mode(join(dir, 'ledger')), 0o700);
    assert.equal(await mode(older), 0o600, 'the journal written before is narrowed');
    assert.equal(await mode(join(dir, 'budget-state.json')), 0o600);
    await ledger.flushed();
    assert.ok((await readFile(older, 'utf8')).includes('req-modes'), 'the charge went to that journal');
  });
});
