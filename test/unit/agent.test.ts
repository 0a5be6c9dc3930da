// The agent loop against the strict fake providers: tool calls on one provider, a failure in the
// middle of the loop, and every other provider kind finishing it from the translated history.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runAgent, type AgentTask } from '../../src/agent/agentLoop';
import { ContextEngine } from '../../src/context/index';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { openChain, type ChainServices } from '../../src/gateway/openChain';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeFault, type FakeProvider } from '../fakes/index';
import { ASSETS_DIR } from './assets';
import { tempDir } from './support/tempDir';

const KINDS: HttpProviderKind[] = ['openai', 'anthropic', 'gemini', 'openai-compatible'];
const MODEL: Record<HttpProviderKind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash', 'openai-compatible': 'deepseek-chat' };
// Secrets are assembled at run time so the repository holds nothing that looks like one.
const SECRET = ['sk', 'live', 'Q7x9Tz2LmN4pR8vW1yB3cD5fG6hJ0kA'].join('-');

const primary = new Map<HttpProviderKind, FakeProvider>();
const backup = new Map<HttpProviderKind, FakeProvider>();
let root: string;
let engine: ContextEngine;

before(async () => {
  for (const kind of KINDS) {
    primary.set(kind, await startFakeProvider(kind));
    backup.set(kind, await startFakeProvider(kind));
  }
  root = await mkdtemp(join(tmpdir(), 'cg-agent-'));
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(join(root, 'src', 'prices.ts'), [
    "import { roundCents } from './money';",
    '',
    '/** The total of an order, with tax. */',
    'export function orderTotal(items: Array<{ price: number; qty: number }>, taxRate: number): number {',
    '  const net = items.reduce((sum, i) => sum + i.price * i.qty, 0);',
    '  return roundCents(net * (1 + taxRate));',
    '}',
    '',
  ].join('\n'));
  await writeFile(join(root, 'src', 'money.ts'), 'export function roundCents(x: number): number {\n  return Math.round(x * 100) / 100;\n}\n');
  await writeFile(join(root, '.env'), `PAYMENT_KEY=${SECRET}\n`);
  await writeFile(join(root, 'src', 'keys.pem'), `-----BEGIN ${'PRIVATE'} KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END ${'PRIVATE'} KEY-----\n`);
  engine = new ContextEngine({ assetsDir: ASSETS_DIR });
});
after(async () => {
  engine.dispose();
  await rm(root, { recursive: true, force: true });
  await Promise.all([...primary.values(), ...backup.values()].map((f) => f.close()));
});
beforeEach(() => {
  for (const f of [...primary.values(), ...backup.values()]) f.reset();
});

async function chainOver(routes: Array<{ kind: HttpProviderKind; fake: FakeProvider; tier: 'hot' | 'warm'; id: string }>, extra: Record<string, unknown> = {}): Promise<ChainServices> {
  const { config, problems } = parseChainConfig({
    routes: routes.map((r) => ({ id: r.id, tier: r.tier, provider: r.kind, model: MODEL[r.kind], baseUrl: r.fake.url, secret: 'KEY', maxOutputTokens: 1024 })),
    policy: { retries: 0, retryAfterThresholdMs: 1_000, timeoutMs: 5_000 },
    cache: { ttlSeconds: 0 },
    ...extra,
  });
  assert.deepEqual(problems, []);
  return openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
}

const task = (over: Partial<AgentTask> = {}): AgentTask => ({
  task: 'explain', root, file: join(root, 'src', 'prices.ts'), selector: { symbol: 'orderTotal' }, exclude: [],
  encoding: 'o200k_base', factor: 1, payloadMaxTokens: 4_000, ...over,
});

const FAILURES: Array<{ name: string; fault: FakeFault; outcome: string; reply?: { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> } }> = [
  { name: '5xx', fault: { type: 'http', failure: 'server_error' }, outcome: 'server_error' },
  { name: '429 beyond the Retry-After threshold', fault: { type: 'http', failure: 'rate_limited', retryAfter: 120 }, outcome: 'rate_limited' },
  { name: 'a stream cut inside a tool call', fault: { type: 'cut', insideToolCall: true }, outcome: 'truncated_stream', reply: { toolCalls: [{ name: 'read_symbol', arguments: { name: 'orderTotal' } }] } },
];

describe('failover in the middle of the loop', () => {
  for (const from of KINDS) {
    for (const failure of FAILURES) {
      for (const to of KINDS.filter((k) => k !== from)) {
        it(`${from} reads a symbol, then fails (${failure.name}); ${to} finishes the loop`, async () => {
          const a = primary.get(from)!;
          const b = backup.get(to)!;
          a.script(
            { reply: { text: 'I will read roundCents.', toolCalls: [{ name: 'read_symbol', arguments: { name: 'roundCents', file: 'src/money.ts' } }] } },
            { ...(failure.reply ? { reply: failure.reply } : {}), fault: failure.fault },
          );
          b.script({ reply: { text: 'orderTotal sums price x qty, adds tax and rounds to cents.' } });
          const services = await chainOver([{ id: 'a', kind: from, fake: a, tier: 'hot' }, { id: 'b', kind: to, fake: b, tier: 'warm' }]);
          try {
            const result = await runAgent(task(), { chain: services.chain, engine }, { stream: true });
            assert.equal(result.status, 'answered');
            assert.equal(result.turns, 2);
            assert.equal(result.routeId, 'b');
            assert.match(result.text, /orderTotal sums price x qty/);
            // One tool call ran, once: the one from the first turn. A call from a cut stream never runs.
            assert.deepEqual(result.toolCalls.map((c) => [c.name, c.route, c.isError]), [['read_symbol', 'a', false]]);
            const received = b.requests.at(-1)!;
            assert.equal(received.rejected, undefined, `the ${to} fake refused the translated history: ${received.rejected?.message}`);
            assert.ok(received.rawBody.includes('roundCents'), 'the earlier tool call reached the new provider');
            assert.ok(received.rawBody.includes('Math.round(x * 100) / 100'), 'its result (the symbol read) reached the new provider');
            assert.ok(received.rawBody.includes('export function orderTotal'), 'the payload is in the history');
            assert.deepEqual(result.attempts.map((x) => [x.turn, x.route, x.outcome]), [[1, 'a', 'answered'], [2, 'a', failure.outcome], [2, 'b', 'answered']]);
          } finally {
            await services.dispose();
          }
        });
      }
    }
  }
});

describe('tools', () => {
  it('never read a denied file: the model gets the reason as a tool result, not the secret', async () => {
    const fake = primary.get('openai')!;
    fake.script(
      { reply: { toolCalls: [{ name: 'list_symbols', arguments: { file: '.env' } }, { name: 'read_symbol', arguments: { name: 'anything', file: 'src/keys.pem' } }] } },
      { reply: { text: 'I cannot read those files.' } },
    );
    const services = await chainOver([{ id: 'a', kind: 'openai', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task(), { chain: services.chain, engine });
      assert.equal(result.status, 'answered');
      assert.deepEqual(result.toolCalls.map((c) => [c.name, c.isError]), [['list_symbols', true], ['read_symbol', true]]);
      const second = fake.requests[1]!.rawBody;
      assert.match(second, /denied-file/);
      assert.ok(!second.includes(SECRET) && !second.includes('MIIBVQ'), 'no secret file content was sent');
      for (const request of fake.requests) assert.ok(!request.rawBody.includes(SECRET));
    } finally {
      await services.dispose();
    }
  });

  it('share one context budget across turns: reads stop with a reason when it is spent', async () => {
    const fake = primary.get('anthropic')!;
    const reads = Array.from({ length: 5 }, () => ({ reply: { toolCalls: [{ name: 'read_symbol', arguments: { name: 'roundCents', file: 'src/money.ts' } }] } }));
    fake.script(...reads, { reply: { text: 'done' } });
    const services = await chainOver([{ id: 'a', kind: 'anthropic', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task({ limits: { maxContextTokens: 300 } }), { chain: services.chain, engine });
      assert.ok(result.contextTokens.used <= 300, `used ${result.contextTokens.used} of 300`);
      const refused = result.toolCalls.filter((c) => c.isError);
      assert.ok(refused.length >= 1, 'a read past the budget is refused');
      const afterRefusal = fake.requests.find((r) => r.rawBody.includes('context budget is spent'));
      assert.ok(afterRefusal, 'the model was told the budget is spent');
    } finally {
      await services.dispose();
    }
  });

  it('records refactor proposals without writing files, with the original span', async () => {
    const fake = primary.get('gemini')!;
    const newText = 'export function roundCents(x: number): number {\n  return Math.round((x + Number.EPSILON) * 100) / 100;\n}';
    fake.script(
      { reply: { toolCalls: [{ name: 'propose_edit', arguments: { symbol: 'roundCents', file: 'src/money.ts', new_text: newText } }] } },
      { reply: { text: 'Proposed a rounding fix.' } },
    );
    const services = await chainOver([{ id: 'a', kind: 'gemini', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task({ task: 'refactor' }), { chain: services.chain, engine });
      assert.equal(result.proposals.length, 1);
      assert.deepEqual({ ...result.proposals[0]!, original: { ...result.proposals[0]!.original } }, {
        symbol: 'roundCents', file: 'src/money.ts', newText,
        original: { startLine: 1, endLine: 3, text: 'export function roundCents(x: number): number {\n  return Math.round(x * 100) / 100;\n}' },
      });
      const sent = fake.requests[0]!.body as { tools: Array<{ functionDeclarations: Array<{ name: string }> }> };
      assert.deepEqual(sent.tools[0]!.functionDeclarations.map((d) => d.name), ['read_symbol', 'list_symbols', 'propose_edit']);
    } finally {
      await services.dispose();
    }
  });

  it('refuses propose_edit outside the refactor task', async () => {
    const fake = primary.get('openai')!;
    fake.script({ reply: { toolCalls: [{ name: 'propose_edit', arguments: { symbol: 'roundCents', new_text: 'x' } }] } }, { reply: { text: 'ok' } });
    const services = await chainOver([{ id: 'a', kind: 'openai', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task(), { chain: services.chain, engine });
      assert.deepEqual(result.proposals, []);
      assert.deepEqual(result.toolCalls.map((c) => c.isError), [true]);
    } finally {
      await services.dispose();
    }
  });
});

describe('limits end the loop cleanly', () => {
  const loopForever = () => Array.from({ length: 20 }, (_, i) => ({ reply: { text: `step ${i}`, toolCalls: [{ name: 'list_symbols', arguments: { file: 'src/money.ts' } }] } }));

  it('at the turn limit, with what was gathered', async () => {
    const fake = primary.get('openai')!;
    fake.script(...loopForever());
    const services = await chainOver([{ id: 'a', kind: 'openai', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task({ limits: { maxTurns: 3 } }), { chain: services.chain, engine });
      assert.equal(result.status, 'stopped');
      assert.equal(result.stopReason, 'the turn limit (3) was reached');
      assert.equal(result.turns, 3);
      assert.equal(fake.requests.length, 3);
      assert.match(result.text, /step 0[\s\S]*step 2/);
    } finally {
      await services.dispose();
    }
  });

  it('at the tool-call limit', async () => {
    const fake = primary.get('anthropic')!;
    fake.script(...loopForever());
    const services = await chainOver([{ id: 'a', kind: 'anthropic', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task({ limits: { maxToolCalls: 2 } }), { chain: services.chain, engine });
      assert.equal(result.status, 'stopped');
      assert.equal(result.stopReason, 'the tool-call limit (2) was reached');
      assert.equal(result.toolCalls.length, 2);
    } finally {
      await services.dispose();
    }
  });

  it('at the token limit, before sending a turn that would pass it', async () => {
    const fake = primary.get('gemini')!;
    fake.script(...loopForever().map((s) => ({ reply: { ...s.reply, usage: { inputTokens: 900, outputTokens: 100 } } })));
    const services = await chainOver([{ id: 'a', kind: 'gemini', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task({ limits: { maxTokens: 2_500 } }), { chain: services.chain, engine });
      assert.equal(result.status, 'stopped');
      assert.match(result.stopReason ?? '', /token limit \(2500\)/);
      assert.ok(result.usage.inputTokens + result.usage.outputTokens <= 2_500);
    } finally {
      await services.dispose();
    }
  });

  it('on cancellation, stopping the call in flight', async () => {
    const fake = primary.get('openai')!;
    fake.script({ reply: { toolCalls: [{ name: 'list_symbols', arguments: { file: 'src/money.ts' } }] } }, { fault: { type: 'hang' } });
    const services = await chainOver([{ id: 'a', kind: 'openai', fake, tier: 'hot' }]);
    try {
      const controller = new AbortController();
      const running = runAgent(task(), { chain: services.chain, engine }, { signal: controller.signal });
      while (fake.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await assert.rejects(running);
      assert.equal((await fake.whenClosed(1)).aborted, true);
    } finally {
      await services.dispose();
    }
  });

  it('queues a later turn as a standalone request: tool calls and results as text, no tools', async () => {
    const fake = primary.get('anthropic')!;
    fake.script(
      { reply: { text: 'Reading it.', toolCalls: [{ name: 'read_symbol', arguments: { name: 'roundCents', file: 'src/money.ts' } }] } },
      { fault: { type: 'http', failure: 'overloaded' } },
    );
    const services = await chainOver([{ id: 'a', kind: 'anthropic', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task(), { chain: services.chain, engine });
      assert.equal(result.status, 'queued');
      const [entry] = await services.queue.list();
      assert.equal(entry?.request.tools, undefined);
      const text = JSON.stringify(entry?.request.messages);
      assert.match(text, /\(called read_symbol \{\\"name\\":\\"roundCents\\"/);
      assert.match(text, /Result of read_symbol:\\n\/\/ ==== target: function roundCents/);
      assert.match(text, /No tools are available now/);
      assert.ok(!text.includes('tool_call'), 'no tool blocks remain');
      // It is a valid request on its own: the strict fake accepts it when the queue drains.
      fake.script({ reply: { text: 'roundCents rounds to cents.' } });
      const report = await services.chain.drain();
      assert.equal(report.answered.length, 1);
      assert.equal(fake.requests.at(-1)?.rejected, undefined);
    } finally {
      await services.dispose();
    }
  });

  it('never runs a tool call from an answer cut by the output cap', async () => {
    const fake = primary.get('openai')!;
    fake.script({ reply: { text: 'Let me', toolCalls: [{ name: 'list_symbols', arguments: { file: 'src/money.ts' } }], stopReason: 'max_tokens' } });
    const services = await chainOver([{ id: 'a', kind: 'openai', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task(), { chain: services.chain, engine });
      assert.equal(result.status, 'stopped');
      assert.match(result.stopReason ?? '', /cut \(max_tokens\) in the middle of a tool call/);
      assert.deepEqual(result.toolCalls, []);
    } finally {
      await services.dispose();
    }
  });

  it('queues a first turn that cannot be sent, without tools, and says so', async () => {
    const fake = primary.get('openai')!;
    fake.script({ fault: { type: 'http', failure: 'overloaded' } });
    const services = await chainOver([{ id: 'a', kind: 'openai', fake, tier: 'hot' }]);
    try {
      const result = await runAgent(task(), { chain: services.chain, engine });
      assert.equal(result.status, 'queued');
      assert.match(result.queueId ?? '', /^q-/);
      const [entry] = await services.queue.list();
      assert.equal(entry?.request.tools, undefined, 'queued without tools: answered later, it must stand alone');
      assert.match(JSON.stringify(entry?.request.messages), /export function orderTotal/);
    } finally {
      await services.dispose();
    }
  });
});
