import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DrainReport } from '../../src/gateway/guardrails/coldQueue';
import { DrainScheduler } from '../../src/gateway/guardrails/drainScheduler';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('drain scheduler (fake clock)', () => {
  it('probes a waiting queue with backoff, and resets once it drains', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let waiting = 2;
    const drains: number[] = [];
    let now = 0;
    const scheduler = new DrainScheduler(async (): Promise<DrainReport> => {
      drains.push(now);
      return waiting === 0 ? { answered: [], expired: [], failed: [], remaining: 0 } : { answered: [], expired: [], failed: [], remaining: waiting, stoppedBecause: 'still failing' };
    }, async () => waiting, { initialDelayMs: 1_000, maxDelayMs: 4_000 });
    scheduler.kick();
    const tick = async (ms: number) => {
      now += ms;
      t.mock.timers.tick(ms);
      await settle();
      await settle();
    };
    await tick(999);
    assert.deepEqual(drains, []);
    await tick(1);
    assert.deepEqual(drains, [1_000]);
    await tick(1_000); // next probe after 1 s (the delay doubles after it)
    await tick(2_000);
    await tick(4_000);
    await tick(4_000); // capped at 4 s
    assert.deepEqual(drains, [1_000, 2_000, 4_000, 8_000, 12_000]);
    waiting = 0;
    await tick(4_000);
    assert.equal(drains.length, 5, 'an empty queue is not drained');
    await tick(60_000);
    assert.equal(drains.length, 5, 'and no probe is scheduled');
    scheduler.dispose();
  });

  it('drains at once when told a route recovered, and never after dispose', async () => {
    let calls = 0;
    const scheduler = new DrainScheduler(async () => {
      calls++;
      return { answered: [], expired: [], failed: [], remaining: 0 };
    }, async () => 1);
    await scheduler.now();
    assert.equal(calls, 1);
    scheduler.dispose();
    await scheduler.now();
    assert.equal(calls, 1);
  });
});
