// What `ask` lets leave the machine or reach the terminal, through real processes and the fake
// providers on loopback: the webhook, the queue's files, the provider's request, the answer text.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { tempDir } from './support/tempDir';
import { runCli } from './support/cliProcess';

const PASSWORD = 'Winter2024!x';
// Assembled at run time, so this file holds nothing a scanner would flag.
const AWS_KEY = ['AK', 'IA', 'IOSFODNN7', 'EXAMPLQ'].join('');
const SYSTEM_SECRET = ['Fake', 'Sys', 'Key', '0123456789'].join('');
const SECRET_PROMPT = `deploy with password="${PASSWORD}" and ${AWS_KEY} please`;

let openai: FakeProvider;
const hook = { received: [] as string[], url: '', close: async () => {} };
before(async () => {
  openai = await startFakeProvider('openai');
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hook.received.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook.close = () => new Promise((resolve) => server.close(() => resolve()));
});
after(async () => {
  await openai.close();
  await hook.close();
});

const cli = runCli;

async function setup(extra: Record<string, unknown> = {}) {
  const dir = await tempDir();
  const routes = join(dir, 'routes.json');
  await writeFile(routes, JSON.stringify({
    routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'FAKE_KEY', maxOutputTokens: 1_000 }],
    policy: { retries: 2, timeoutMs: 5_000, initialDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  }));
  return { dir, routes, stateDir: join(dir, 'state') };
}

async function allText(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
}

const until = async (check: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ask: what leaves the machine', () => {
  it('tells the webhook ids, counts and routes, never the prompt, when every route is down', async () => {
    openai.reset();
    hook.received.length = 0;
    const { routes, stateDir } = await setup({ notifications: { webhookUrl: hook.url } });
    for (let i = 0; i < 3; i++) openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const asked = await cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', SECRET_PROMPT, '--json'], { ...process.env, FAKE_KEY: 'test-key' });
    assert.equal(asked.status, 75, asked.stderr);
    const queueId = JSON.parse(asked.stdout).queueId as string;
    await until(() => hook.received.length >= 1);
    const notice = hook.received.join('\n');
    assert.ok(notice.includes(queueId), notice);
    assert.match(notice, /main/);
    assert.ok(!notice.includes('deploy') && !notice.includes(PASSWORD) && !notice.includes(AWS_KEY), `the notice holds user text: ${notice}`);
  });

  it('keeps the prompt\'s secrets out of the request sent and the queued entry', async () => {
    openai.reset();
    const { routes, stateDir } = await setup();
    for (let i = 0; i < 3; i++) openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const asked = await cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', SECRET_PROMPT], { ...process.env, FAKE_KEY: 'test-key' });
    assert.equal(asked.status, 75, asked.stderr);
    assert.ok(openai.requests.length > 0);
    for (const r of openai.requests) {
      assert.ok(!r.rawBody.includes(PASSWORD) && !r.rawBody.includes(AWS_KEY), r.rawBody);
      assert.match(r.rawBody, /\[REDACTED:aws-access-key\]/);
    }
    const stored = await allText(stateDir);
    assert.match(stored, /deploy with password=\\"\[REDACTED:assigned-secret\]/);
    assert.ok(!stored.includes(PASSWORD) && !stored.includes(AWS_KEY), 'the queue holds no secret');
    assert.match(asked.stderr, /2 secrets? .*redacted|redacted 2/i);
  });

  it('keeps the instruction\'s secrets out of the requests sent and the queued entry of a task on a symbol', async () => {
    openai.reset();
    const { dir, routes, stateDir } = await setup({ tasks: { custom: `Follow the instruction; the api_key = "${SYSTEM_SECRET}" is ours.` } });
    await writeFile(join(dir, 'package.json'), '{}');
    const source = join(dir, 'add.ts');
    await writeFile(source, 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    const env = { ...process.env, FAKE_KEY: 'test-key' };
    const ask = (state: string, extra: string[]) => cli(['ask', '--routes', routes, '--state-dir', state, '--file', source, '--symbol', 'add', '--task', 'custom', '--instruction', SECRET_PROMPT, ...extra], env);

    openai.script({ reply: { text: 'It adds.' } });
    const answered = await ask(join(dir, 'answered'), ['--json']);
    assert.equal(answered.status, 0, answered.stderr);

    for (let i = 0; i < 3; i++) openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const queued = await ask(stateDir, []);
    assert.equal(queued.status, 75, queued.stderr);
    assert.ok(openai.requests.length >= 2);
    for (const r of openai.requests) {
      for (const secret of [PASSWORD, AWS_KEY, SYSTEM_SECRET]) assert.ok(!r.rawBody.includes(secret), `sent: ${r.rawBody}`);
      assert.match(r.rawBody, /deploy with password=\\"\[REDACTED:assigned-secret\]/);
      assert.match(r.rawBody, /\[REDACTED:aws-access-key\]/);
    }
    const stored = await allText(stateDir);
    assert.match(stored, /\[REDACTED:aws-access-key\]/, 'the queued entry holds the redacted instruction');
    for (const secret of [PASSWORD, AWS_KEY, SYSTEM_SECRET]) assert.ok(!stored.includes(secret), 'the state folder holds no secret');
    assert.match(queued.stderr, /redacted 3 secret\(s\) from the instruction and the task prompt before sending/);
    const redacted = JSON.parse(answered.stdout).redacted as Record<string, Array<{ kind: string }>>;
    assert.deepEqual([redacted.instruction!.map((r) => r.kind), redacted.taskPrompt!.map((r) => r.kind), redacted.payload], [['assigned-secret', 'aws-access-key'], ['assigned-secret'], []], answered.stdout);
  });
});

describe('ask: a task on a symbol and the answer cache', () => {
  it('answers the same task again from the cache, and asks the route again with --no-cache', async () => {
    openai.reset();
    const { dir, routes, stateDir } = await setup();
    await writeFile(join(dir, 'package.json'), '{}');
    const source = join(dir, 'add.ts');
    await writeFile(source, 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    const ask = (extra: string[]) => cli(['ask', '--routes', routes, '--state-dir', stateDir, '--file', source, '--symbol', 'add', '--json', ...extra], { ...process.env, FAKE_KEY: 'test-key' });
    openai.script({ reply: { text: 'first' } }, { reply: { text: 'second' } });
    assert.equal(JSON.parse((await ask([])).stdout).text, 'first');
    assert.equal(JSON.parse((await ask([])).stdout).text, 'first', 'the same task again is answered from the cache');
    assert.equal(openai.requests.length, 1);
    const fresh = await ask(['--no-cache']);
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.equal(JSON.parse(fresh.stdout).text, 'second', 'with --no-cache the route is asked again');
    assert.equal(openai.requests.length, 2);
  });
});

describe('ask: a key that cannot be sent', () => {
  for (const [what, key] of [['a line break', 'test\n-key'], ['a carriage return', 'test\r-key'], ['a non-ASCII character', 'test\u200b-key']] as const) {
    it(`refuses a key with ${what} before sending, names its secret, and does not retry it as a connection failure`, async () => {
      openai.reset();
      const { routes, stateDir } = await setup();
      const asked = await cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', 'hello', '--json'], { ...process.env, FAKE_KEY: key });
      assert.equal(openai.requests.length, 0, 'nothing reached the provider');
      const out = JSON.parse(asked.stdout) as { attempts: Array<{ outcome: string; message?: string }> };
      assert.deepEqual(out.attempts.map((a) => a.outcome), ['auth'], 'one try, classified as a key problem');
      assert.match(out.attempts[0]!.message ?? '', /FAKE_KEY/);
      assert.ok(!(out.attempts[0]!.message ?? '').includes('test'), 'the message holds no part of the key');
      const text = await cli(['ask', '--routes', routes, '--state-dir', join(stateDir, 'b'), '--prompt', 'hello again'], { ...process.env, FAKE_KEY: key });
      assert.match(text.stderr, /FAKE_KEY/);
      assert.match(text.stderr, /store|export|set/i);
      assert.doesNotMatch(text.stderr, /connection/);
    });
  }
});

describe('ask: what reaches the terminal', () => {
  const NASTY = 'safe \x1b[2J\x1b[31mred\x1b[0m \x1b]0;title\x07\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\ bell\x07 back\bspace\r\nnext\tline\x9b31m';

  it('strips control sequences from answer text, streamed or not; --json keeps it exact', async () => {
    const { routes, stateDir } = await setup();
    const env = { ...process.env, FAKE_KEY: 'test-key' };
    for (const stream of [false, true]) {
      openai.reset();
      openai.script({ reply: { text: NASTY, chunkSize: 3 } });
      const r = await cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', `show ${stream}`, '--no-cache', ...(stream ? ['--stream'] : [])], env);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'safe red link bell backspace\nnext\tline\n', JSON.stringify(r.stdout));
    }
    openai.reset();
    openai.script({ reply: { text: NASTY } });
    const json = await cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', 'show json', '--no-cache', '--json'], env);
    assert.equal(JSON.parse(json.stdout).text, NASTY);
    assert.doesNotMatch(json.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'every control character is escaped in the JSON, C1 included');
  });
});
