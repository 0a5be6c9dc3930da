// State files of the wrong shape, torn files and unsafe ids: each is set aside or ignored with a
// warning naming the file, and the rest of the state keeps working.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { AnswerCache } from '../../src/gateway/guardrails/local/answerCache';
import { LocalBreakerStore } from '../../src/gateway/guardrails/local/breakerStore';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import type { DrainSend } from '../../src/gateway/guardrails/coldQueue';
import { LocalColdQueue } from '../../src/gateway/guardrails/local/coldQueue';
import type { ChatRequest, ChatResponse } from '../../src/gateway/ir';
import { openChain } from '../../src/gateway/openChain';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { REPO_ROOT } from './assets';
import { tempDir } from './support/tempDir';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const request = (text: string): ChatRequest => ({ messages: [{ role: 'user', parts: [{ type: 'text', text }] }] });
const response = (text: string): ChatResponse => ({ message: { role: 'assistant', parts: [{ type: 'text', text }] }, stopReason: 'end' });
const entry = (text: string) => ({ reason: 'all-routes-failed' as const, request: request(text), idempotencyKey: `k-${text}`, label: text, attempts: [] });
const answering: DrainSend = async (e) => ({ answer: { route: 'r', provider: 'openai', model: 'm', response: response(`answer to ${e.label}`) } });

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider('openai');
});
after(() => fake.close());

describe('queue entries that cannot be read', () => {
  it('sets aside a valid-JSON entry of the wrong shape with its reason, lists it, and drains the rest', async () => {
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    await queue.add(entry('first'));
    await writeFile(join(dir, 'queue', '000000000005-q-bogus.json'), JSON.stringify({ id: 'q-bogus', seq: 5 }));
    const good = { ...(await queue.add(entry('model'))) };
    await writeFile(join(dir, 'queue', '000000000006-q-abc-0123abcd.json'), JSON.stringify({ ...good, id: 'q-abc-0123abcd', seq: 6, request: { messages: 'none' } }));
    await queue.add(entry('last'));
    const lines: string[] = [];
    const reopened = await LocalColdQueue.open(dir, { maxAgeMs: 60_000, log: (l) => lines.push(l) });
    const report = await reopened.drain(answering);
    assert.deepEqual(report.answered.map((a) => a.label), ['first', 'model', 'last']);
    assert.equal(report.remaining, 0);
    assert.deepEqual(report.setAside?.map((u) => u.file), ['000000000005-q-bogus.json', '000000000006-q-abc-0123abcd.json']);
    const aside = await reopened.unreadable();
    assert.deepEqual(aside.map((u) => u.file), ['000000000005-q-bogus.json', '000000000006-q-abc-0123abcd.json']);
    assert.match(aside[0]!.reason, /file name is not of a queue entry/);
    assert.match(aside[1]!.reason, /"request\.messages" is missing/);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /000000000005-q-bogus\.json: .*set aside in .*unreadable \(it is never sent\)/);
    assert.ok((await readdir(join(dir, 'unreadable'))).includes('000000000005-q-bogus.json'), 'the entry is kept, not deleted');
    assert.deepEqual(await readdir(join(dir, 'queue')), []);
    assert.equal((await reopened.drain(answering)).answered.length, 0, 'never drained later either');
  });

  it('sets aside an entry torn to 50 bytes instead of losing it, and the CLI lists it with the reason', async () => {
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    const torn = await queue.add(entry('torn'));
    await queue.add(entry('whole'));
    const name = (await readdir(join(dir, 'queue'))).find((n) => n.includes(torn.id))!;
    const text = await readFile(join(dir, 'queue', name), 'utf8');
    await writeFile(join(dir, 'queue', name), text.slice(0, 50));
    const listed = spawnSync(process.execPath, [CLI, 'queue', 'list', '--state-dir', dir], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /1 queued, 1 set aside/);
    assert.match(listed.stdout, new RegExp(`${name}  set aside \\(kept in unreadable/\\): not valid JSON`));
    const json = JSON.parse(spawnSync(process.execPath, [CLI, 'queue', 'list', '--state-dir', dir, '--json'], { encoding: 'utf8' }).stdout);
    assert.deepEqual(json.unreadable.map((u: { file: string }) => u.file), [name]);
    assert.deepEqual(json.queued.map((e: { label: string }) => e.label), ['whole']);
    const report = await queue.drain(answering);
    assert.deepEqual(report.answered.map((a) => a.label), ['whole']);
    assert.equal(await readFile(join(dir, 'unreadable', name), 'utf8'), text.slice(0, 50), 'kept byte for byte');
  });

  it('resends a request whose stored answer is unreadable, setting the answer aside', async () => {
    const dir = await tempDir();
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    const queued = await queue.add(entry('answer-torn'));
    await writeFile(join(dir, 'answers', `${queued.id}.json`), '{"id":');
    const report = await queue.drain(answering);
    assert.deepEqual(report.answered.map((a) => a.label), ['answer-torn']);
    assert.ok((await queue.unreadable()).some((u) => u.file === `${queued.id}.json`));
  });

  it('refuses to show an id that is not of the queue\'s form, without touching the path', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'secret'), { recursive: true });
    await writeFile(join(dir, 'secret', 'x.json'), JSON.stringify({ response: { message: { role: 'assistant', parts: [{ type: 'text', text: 'leaked' }] } } }));
    for (const id of ['../secret/x', 'q-../../secret/x', '/etc/passwd', 'q-abc']) {
      const shown = spawnSync(process.execPath, [CLI, 'queue', 'show', id, '--state-dir', dir], { encoding: 'utf8' });
      assert.notEqual(shown.status, 0, id);
      assert.doesNotMatch(shown.stdout, /leaked/);
      assert.match(shown.stderr, /is not a queue id/, id);
    }
    const queue = await LocalColdQueue.open(dir, { maxAgeMs: 60_000 });
    await assert.rejects(queue.answer('../secret/x'), /is not a queue id/);
  });
});

describe('state files of the wrong shape', () => {
  const config = () => parseChainConfig({
    routes: [{ id: 'r', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'K' }],
    policy: { retries: 0 },
  }).config;

  it('breakers.json with an entry that is not a breaker state: warns, the breaker starts closed, asks work', async () => {
    const stateDir = await tempDir();
    await writeFile(join(stateDir, 'breakers.json'), JSON.stringify({ r: 'open' }));
    const lines: string[] = [];
    const services = await openChain(config(), { stateDir, adapterFor, keyFor: async () => 'test-key', log: (l) => lines.push(l) });
    try {
      fake.reset();
      fake.script({ reply: { text: 'fine' } });
      const result = await services.chain.ask({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'breakers' }] }] });
      assert.equal(result.status, 'answered', JSON.stringify(result));
      assert.equal(services.router.routeStatus()[0]!.breaker, 'closed');
      assert.ok(lines.some((l) => /breakers\.json/.test(l) && /"r"/.test(l) && /starts closed/.test(l)), lines.join('\n'));
    } finally {
      await services.dispose();
    }
  });

  it('breakers.json that is not an object at all, or not JSON: warns and every breaker starts closed', async () => {
    for (const content of ['[1,2]', '"open"', '{"r":']) {
      const stateDir = await tempDir();
      await writeFile(join(stateDir, 'breakers.json'), content);
      const lines: string[] = [];
      const states = await new LocalBreakerStore(stateDir).load((l) => lines.push(l));
      assert.deepEqual(states, {}, content);
      assert.equal(lines.length, 1, content);
      assert.match(lines[0]!, /breakers\.json/);
    }
  });

  it('keeps a well-formed open breaker state', async () => {
    const stateDir = await tempDir();
    const saved = { r: { ownState: { value: 1, openedAt: 123, attemptNo: 1 }, breakerState: 5 }, s: { ownState: { value: 0 }, breakerState: 0 } };
    await writeFile(join(stateDir, 'breakers.json'), JSON.stringify(saved));
    const lines: string[] = [];
    assert.deepEqual(await new LocalBreakerStore(stateDir).load((l) => lines.push(l)), saved);
    assert.deepEqual(lines, []);
  });

  it('answers-cache.json with entries of the wrong shape: warns, starts with what is good, asks work', async () => {
    const stateDir = await tempDir();
    await writeFile(join(stateDir, 'answers-cache.json'), JSON.stringify({ entries: 'nope' }));
    const lines: string[] = [];
    const services = await openChain(config(), { stateDir, adapterFor, keyFor: async () => 'test-key', log: (l) => lines.push(l) });
    try {
      fake.reset();
      fake.script({ reply: { text: 'cached later' } });
      const result = await services.chain.ask({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'cache shape' }] }] });
      assert.equal(result.status, 'answered', JSON.stringify(result));
      assert.ok(lines.some((l) => /answers-cache\.json/.test(l) && /starts empty/.test(l)), lines.join('\n'));
    } finally {
      await services.dispose();
    }
    const good = { key: 'k1', storedAt: Date.now(), answer: { routeId: 'r', provider: 'openai', model: 'm', response: response('kept') } };
    await writeFile(join(stateDir, 'answers-cache.json'), JSON.stringify([good, { key: 'k2', storedAt: 'x' }, 7]));
    const warnings: string[] = [];
    const cache = await AnswerCache.open(stateDir, { ttlMs: 60_000, log: (l) => warnings.push(l) });
    assert.equal(cache.get('k1')?.routeId, 'r');
    assert.equal(cache.get('k2'), undefined);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /answers-cache\.json: 2 entries/);
  });
});

describe('state file permissions', () => {
  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  it('writes queue entries, answers, the cache and breakers 0600 in 0700 folders, tightening folders made earlier', async () => {
    const stateDir = await tempDir();
    const workspaceStateDir = join(await tempDir(), 'ws');
    await mkdir(join(workspaceStateDir, 'queue'), { recursive: true, mode: 0o755 });
    const { config } = parseChainConfig({
      routes: [{ id: 'r', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'K' }],
      policy: { retries: 0, breakerThreshold: 1 },
    });
    const services = await openChain(config, { stateDir, workspaceStateDir, adapterFor, keyFor: async () => 'test-key' });
    try {
      fake.reset();
      fake.script({ reply: { text: 'cached' } }, { fault: { type: 'http', failure: 'server_error' } });
      assert.equal((await services.chain.ask(request('answered'))).status, 'answered');
      assert.equal((await services.chain.ask(request('queued'))).status, 'queued');
    } finally {
      await services.dispose();
    }
    for (const dir of [stateDir, workspaceStateDir, ...['queue', 'answers', 'expired', 'failed', 'unreadable'].map((d) => join(workspaceStateDir, d))]) {
      assert.equal(await mode(dir), 0o700, dir);
    }
    const queued = await readdir(join(workspaceStateDir, 'queue'));
    assert.equal(queued.length, 1);
    for (const file of [join(workspaceStateDir, 'queue', queued[0]!), join(workspaceStateDir, 'answers-cache.json'), join(stateDir, 'breakers.json')]) {
      assert.equal(await mode(file), 0o600, file);
    }
    const queue = await LocalColdQueue.open(workspaceStateDir, { maxAgeMs: 60_000 });
    await queue.drain(answering);
    const answers = await readdir(join(workspaceStateDir, 'answers'));
    assert.equal(await mode(join(workspaceStateDir, 'answers', answers[0]!)), 0o600);
  });
});
