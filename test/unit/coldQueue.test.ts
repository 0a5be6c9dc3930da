import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AnswerCache } from '../../src/gateway/guardrails/local/answerCache';
import type { DrainSend } from '../../src/gateway/guardrails/coldQueue';
import { LocalColdQueue } from '../../src/gateway/guardrails/local/coldQueue';
import type { ChatRequest, ChatResponse } from '../../src/gateway/ir';
import { tempDir } from './support/tempDir';

const request = (text: string): ChatRequest => ({ messages: [{ role: 'user', parts: [{ type: 'text', text }] }] });
const response = (text: string): ChatResponse => ({ message: { role: 'assistant', parts: [{ type: 'text', text }] }, stopReason: 'end' });
const entry = (text: string) => ({ reason: 'all-routes-failed' as const, request: request(text), idempotencyKey: `k-${text}`, label: text, attempts: [] });

/** Answers every entry, recording the order. */
function answering(sent: string[]): DrainSend {
  return async (e) => {
    const text = e.request.messages[0]!.parts[0]!.type === 'text' ? (e.request.messages[0]!.parts[0] as { text: string }).text : '';
    sent.push(text);
    return { answer: { route: 'r', provider: 'openai', model: 'm', response: response(`answer to ${text}`) } };
  };
}

describe('cold queue', () => {
  it('keeps requests in order across a reopen and drains them in that order, storing each answer', async () => {
    const dir = await tempDir();
    const first = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    const a = await first.add(entry('first'));
    await first.add(entry('second'));
    const reopened = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    await reopened.add(entry('third'));
    assert.deepEqual((await reopened.list()).map((e) => e.label), ['first', 'second', 'third']);
    const sent: string[] = [];
    const report = await reopened.drain(answering(sent));
    assert.deepEqual(sent, ['first', 'second', 'third']);
    assert.equal(report.remaining, 0);
    assert.deepEqual(await reopened.list(), []);
    assert.equal((await reopened.answer(a.id))?.response.message.parts[0]?.type, 'text');
    assert.equal((await reopened.answer(a.id))?.label, 'first');
  });

  it('stops at the first request that cannot be sent and keeps it and the rest in order', async () => {
    const queue = await LocalColdQueue.open(await tempDir(), { maxAgeMs: 60_000 });
    await queue.add(entry('one'));
    await queue.add(entry('two'));
    const report = await queue.drain(async () => ({ stop: 'every route failed' }));
    assert.equal(report.stoppedBecause, 'every route failed');
    assert.equal(report.remaining, 2);
    assert.deepEqual((await queue.list()).map((e) => e.label), ['one', 'two']);
  });

  it('never sends again a request whose answer was stored before a crash', async () => {
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    const queued = await queue.add(entry('answered-then-crashed'));
    // What a crash between "answer stored" and "entry removed" leaves behind.
    await writeFile(join(dir, 'answers', `${queued.id}.json`), JSON.stringify({ id: queued.id, label: queued.label, answeredAt: new Date().toISOString(), route: 'r', provider: 'openai', model: 'm', response: response('stored') }));
    const sent: string[] = [];
    const report = await (await LocalColdQueue.open(dir, { maxAgeMs: 60_000 })).drain(answering(sent));
    assert.deepEqual(sent, []);
    assert.deepEqual(report.answered.map((a) => a.id), [queued.id]);
    assert.deepEqual(await queue.list(), []);
  });

  it('ignores and removes half-written files a killed write left behind', async () => {
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    await queue.add(entry('whole'));
    await writeFile(join(dir, 'queue', '000000000001-q-x-1234.json.99.abcd.tmp'), '{"half":');
    const reopened = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    assert.deepEqual((await reopened.list()).map((e) => e.label), ['whole']);
    assert.deepEqual((await readdir(join(dir, 'queue'))).filter((n) => n.endsWith('.tmp')), []);
  });

  it('moves expired requests aside and reports them instead of deleting them', async () => {
    let now = 1_000_000;
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000, now: () => now });
    await queue.add(entry('old'));
    now += 120_000;
    await queue.add(entry('new'));
    const sent: string[] = [];
    const report = await queue.drain(answering(sent));
    assert.deepEqual(report.expired.map((e) => e.label), ['old']);
    assert.deepEqual(sent, ['new']);
    assert.deepEqual((await queue.expired()).map((e) => e.label), ['old']);
  });

  it('lets one drain run at a time across processes (a lock file), taking over a dead holder\'s lock', async () => {
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    await queue.add(entry('x'));
    await writeFile(join(dir, 'queue.lock'), String(process.ppid)); // a live process holds it
    const blocked = await queue.drain(answering([]));
    assert.equal(blocked.stoppedBecause, 'another process is draining the queue');
    await writeFile(join(dir, 'queue.lock'), '2147483646'); // no such process
    const sent: string[] = [];
    await queue.drain(answering(sent));
    assert.deepEqual(sent, ['x']);
  });
});

describe('cold queue shared by processes', () => {
  it('opening leaves the temporary file of a live writer alone and removes one a dead writer left', async () => {
    const dir = await tempDir();
    await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const writing = `000000000001-q-mx000000-0123abcd.json.${process.pid}.0a1b2c3d.tmp`;
    const leftBehind = `000000000002-q-mx000000-4567abcd.json.${dead}.0a1b2c3d.tmp`;
    await writeFile(join(dir, 'queue', writing), '{"half":');
    await writeFile(join(dir, 'queue', leftBehind), '{"half":');
    await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    assert.deepEqual(await readdir(join(dir, 'queue')), [writing], 'another process is writing that one now');
  });
});

describe('answer cache', () => {
  it('answers within its TTL, forgets after it, and survives a reopen', async () => {
    let now = 0;
    const dir = await tempDir();
    const cache = await AnswerCache.open(dir, { ttlMs: 1_000, now: () => now });
    cache.put('k', { routeId: 'r', provider: 'openai', model: 'm', response: response('hi') });
    await cache.flushed();
    now = 500;
    assert.equal((await AnswerCache.open(dir, { ttlMs: 1_000, now: () => now })).get('k')?.ageMs, 500);
    now = 1_000;
    assert.equal(cache.get('k'), undefined);
  });

  it('keeps at most its bound, dropping the oldest', async () => {
    const cache = await AnswerCache.open(await tempDir(), { ttlMs: 60_000, maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) cache.put(k, { routeId: 'r', provider: 'openai', model: 'm', response: response(k) });
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('b') && cache.get('c'));
  });
});
