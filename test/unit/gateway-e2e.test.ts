// The router over real HTTP (undici) against the strict fake providers on loopback: every fault
// class on every provider kind gives its decided outcome; a conversation with tool calls started
// on one provider continues on every other, with tool results the real tools produced;
// Retry-After, breakers and cancellation on the wire.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ToolRunner } from '../../src/agent/toolRunner';
import { ContextEngine, TokenBudget } from '../../src/context/index';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { isCancelledError } from '../../src/gateway/routing/chainErrors';
import type { AttemptOutcome } from '../../src/gateway/routing/events';
import { toolCallsOf, type ChatRequest, type Message } from '../../src/gateway/ir';
import { DEFAULT_POLICY, type PolicyConfig } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { HttpProviderKind, Route } from '../../src/gateway/routing/routes';
import { DEFAULT_REPLY, type FakeFault, type FakeProvider } from '../fakes/index';
import { ASSETS_DIR } from './assets';
import { workspace, type Workspace } from './workspaceFixture';
import { fakePairs } from './support/fakePairs';

const DEFAULT_TEXT = DEFAULT_REPLY.text!;

const KINDS: HttpProviderKind[] = ['openai', 'anthropic', 'gemini', 'openai-compatible'];
const MODEL: Record<HttpProviderKind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash', 'openai-compatible': 'llama3' };
const TOOLS = [{
  name: 'read_symbol',
  description: 'Read a symbol from the code base',
  parameters: { type: 'object', properties: { name: { type: 'string' }, file: { type: 'string' } }, required: ['name'] },
}];

// Two fakes of each kind: the route that fails and the one that takes over.
const { primary, backup } = fakePairs(KINDS);

function route(id: string, kind: HttpProviderKind, fake: FakeProvider, tier: 'hot' | 'warm'): Route {
  return { id, tier, provider: kind, model: MODEL[kind], baseUrl: fake.url, secret: 'KEY', maxOutputTokens: 512 };
}

function router(routes: Route[], policy: Partial<PolicyConfig> = {}) {
  return new Router({
    routes,
    policy: { ...DEFAULT_POLICY, retries: 0, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000, firstByteTimeoutMs: 2_000, idleTimeoutMs: 2_000, ...policy },
    adapterFor,
    keyFor: async () => 'test-key',
  });
}

const QUESTION: ChatRequest = { system: 'You explain code.', messages: [{ role: 'user', parts: [{ type: 'text', text: 'Explain parseRoutes.' }] }], tools: TOOLS };

interface FaultCase {
  readonly name: string;
  readonly fault: FakeFault;
  readonly stream: boolean;
  readonly outcome: AttemptOutcome;
  readonly policy?: Partial<PolicyConfig>;
}

const FAULTS: FaultCase[] = [
  { name: '429', fault: { type: 'http', failure: 'rate_limited', retryAfter: 120 }, stream: false, outcome: 'rate_limited' },
  { name: 'quota exhausted', fault: { type: 'http', failure: 'quota_exhausted' }, stream: false, outcome: 'quota_exhausted' },
  { name: 'overloaded', fault: { type: 'http', failure: 'overloaded' }, stream: false, outcome: 'overloaded' },
  { name: '500', fault: { type: 'http', failure: 'server_error' }, stream: false, outcome: 'server_error' },
  { name: '401', fault: { type: 'http', failure: 'auth' }, stream: false, outcome: 'auth' },
  { name: '400', fault: { type: 'http', failure: 'bad_request' }, stream: false, outcome: 'bad_request' },
  { name: 'context too long', fault: { type: 'http', failure: 'context_too_long' }, stream: false, outcome: 'context_too_long' },
  { name: '404', fault: { type: 'http', failure: 'not_found' }, stream: false, outcome: 'not_found' },
  { name: 'hung provider', fault: { type: 'hang' }, stream: false, outcome: 'timeout', policy: { timeoutMs: 300 } },
  { name: 'no first byte on a stream', fault: { type: 'hang' }, stream: true, outcome: 'timeout', policy: { firstByteTimeoutMs: 300 } },
  { name: 'reset before headers', fault: { type: 'reset', when: 'before_headers' }, stream: false, outcome: 'connection' },
  { name: 'reset after headers', fault: { type: 'reset', when: 'after_headers' }, stream: true, outcome: 'connection' },
  { name: 'stream cut', fault: { type: 'cut', afterEvents: 2 }, stream: true, outcome: 'truncated_stream' },
  { name: 'stream without end marker', fault: { type: 'no_terminal' }, stream: true, outcome: 'truncated_stream' },
  { name: 'error event inside a 200 stream', fault: { type: 'stream_error', failure: 'overloaded', afterEvents: 1 }, stream: true, outcome: 'overloaded' },
  { name: 'error object inside a 200 body', fault: { type: 'body_error', failure: 'server_error' }, stream: false, outcome: 'server_error' },
  { name: 'malformed 200 body', fault: { type: 'malformed' }, stream: false, outcome: 'malformed' },
];

describe('every fault class on every provider kind', () => {
  for (const kind of KINDS) {
    for (const c of FAULTS) {
      it(`${kind}: ${c.name} -> ${c.outcome}, then the next route answers`, async () => {
        const bad = primary.get(kind)!;
        const good = backup.get(kind)!;
        bad.script({ fault: c.fault });
        good.script({ reply: { text: 'Recovered answer.', usage: { inputTokens: 12, outputTokens: 3 } } });
        const r = router([route('bad', kind, bad, 'hot'), route('good', kind, good, 'warm')], c.policy);
        try {
          const answer = await r.send(QUESTION, { stream: c.stream });
          assert.deepEqual(answer.attempts.map((a) => [a.route, a.outcome]), [['bad', c.outcome], ['good', 'answered']]);
          assert.equal(answer.route.id, 'good');
          const text = answer.response.message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
          // A stream cut after text on a route that can take a prefill is continued, not restarted.
          if (answer.continuation === 'prefill') assert.equal(text, `${DEFAULT_TEXT}Recovered answer.`);
          else assert.equal(text, 'Recovered answer.');
          assert.equal(bad.requests.length, 1, 'the failure was not retried (retries: 0)');
          assert.equal(good.requests[0]?.rejected, undefined, 'the strict fake accepted the request');
        } finally {
          await r.dispose();
        }
      });
    }
  }
});

describe('a conversation with tool calls continues on every other provider', () => {
  // The tool results come from the real tools over a workspace on disk: the second call names
  // only the symbol, as the payload shows it, and its code must be what the next provider gets.
  const BASE_URL_BODY = "value.startsWith('http')";
  let ws: Workspace;
  let engine: ContextEngine;
  before(async () => {
    ws = await workspace({
      'src/gateway/routes.ts': "import { baseUrlProblem } from './baseUrl';\n\nexport function parseRoutes(input: string[]): string[] {\n  return input.filter((u) => baseUrlProblem(u) === undefined);\n}\n",
      'src/gateway/baseUrl.ts': `export function baseUrlProblem(value: string): string | undefined {\n  return ${BASE_URL_BODY} ? undefined : 'not a URL';\n}\n`,
    });
    engine = new ContextEngine({ assetsDir: ASSETS_DIR });
  });
  after(async () => {
    engine.dispose();
    await ws.remove();
  });

  for (const from of KINDS) {
    for (const to of KINDS.filter((k) => k !== from)) {
      it(`started on ${from}, continued on ${to}`, async () => {
        const first = primary.get(from)!;
        const second = backup.get(to)!;
        first.script({
          reply: {
            text: 'Let me look at both.',
            toolCalls: [
              { name: 'read_symbol', arguments: { name: 'parseRoutes', file: 'src/gateway/routes.ts' } },
              { name: 'read_symbol', arguments: { name: 'baseUrlProblem' } },
            ],
          },
        });
        const r = router([route('first', from, first, 'hot'), route('second', to, second, 'warm')]);
        try {
          const turn1 = await r.send(QUESTION, { stream: true });
          assert.equal(turn1.route.id, 'first');
          const calls = toolCallsOf(turn1.response.message);
          assert.equal(calls.length, 2);
          const tools = new ToolRunner({
            engine, root: ws.root, defaultFile: ws.path('src/gateway/routes.ts'), exclude: [], encoding: 'o200k_base', factor: 1,
            budget: new TokenBudget(8_000), allowEdits: false,
          });
          const outcomes = await Promise.all(calls.map((c) => tools.run(c)));
          const history: Message[] = [
            ...QUESTION.messages,
            turn1.response.message,
            { role: 'user', parts: calls.map((c, i) => ({ type: 'tool_result' as const, callId: c.id, name: c.name, content: outcomes[i]!.content, ...(outcomes[i]!.isError ? { isError: true } : {}) })) },
          ];
          // The first provider fails on the next turn; the second takes the whole conversation.
          first.script({ fault: { type: 'http', failure: 'server_error' } });
          second.script({ reply: { text: 'parseRoutes validates routes.' } });
          const turn2 = await r.send({ ...QUESTION, messages: history }, { stream: true });
          assert.equal(turn2.route.id, 'second');
          const received = second.requests.at(-1)!;
          assert.equal(received.rejected, undefined, `the ${to} fake refused the translated history: ${received.rejected?.message}`);
          const raw = received.rawBody;
          assert.ok(raw.includes('parseRoutes') && raw.includes('baseUrlProblem'), 'both tool calls reached the new provider');
          assert.ok(raw.includes('export function parseRoutes'), 'the first tool result reached the new provider');
          assert.ok(raw.includes(JSON.stringify(BASE_URL_BODY).slice(1, -1)), 'the second tool result, the code of the name alone, reached the new provider');
          assert.ok(!raw.includes('unknown-symbol'), 'no tool result was a failed lookup');
        } finally {
          await r.dispose();
        }
      });
    }
  }
});

describe('on the wire', () => {
  it('obeys a short Retry-After on the same route, and fails over at once on a long one', async () => {
    const a = primary.get('anthropic')!;
    const b = backup.get('openai')!;
    a.script({ fault: { type: 'http', failure: 'rate_limited', retryAfterMs: 300 } }, { reply: { text: 'after the wait' } });
    const r = router([route('a', 'anthropic', a, 'hot'), route('b', 'openai', b, 'warm')], { retries: 2, retryAfterThresholdMs: 1_000 });
    try {
      const answer = await r.send(QUESTION);
      assert.equal(answer.route.id, 'a');
      assert.ok(a.requests[1]!.time - a.requests[0]!.time >= 290, `retried after ${a.requests[1]!.time - a.requests[0]!.time} ms`);
      assert.ok(answer.attempts[1]!.waitMs! >= 290);
      a.script({ fault: { type: 'http', failure: 'rate_limited', retryDelay: '30s' } });
      const gemini = primary.get('gemini')!;
      gemini.script({ fault: { type: 'http', failure: 'rate_limited', retryDelay: '30s' } });
      const r2 = router([route('g', 'gemini', gemini, 'hot'), route('b', 'openai', b, 'warm')], { retries: 2, retryAfterThresholdMs: 1_000 });
      const started = Date.now();
      const failedOver = await r2.send(QUESTION);
      assert.ok(Date.now() - started < 1_000);
      assert.deepEqual(failedOver.attempts.map((x) => x.outcome), ['rate_limited', 'answered']);
      assert.equal(gemini.requests.length, 1);
      await r2.dispose();
    } finally {
      await r.dispose();
    }
  });

  it('opens a breaker, skips the dead route without a request, probes after the wait and closes', async () => {
    const dead = primary.get('openai')!;
    const ok = backup.get('gemini')!;
    const r = router([route('dead', 'openai', dead, 'hot'), route('ok', 'gemini', ok, 'warm')], { breakerThreshold: 3, halfOpenAfterMs: 300 });
    try {
      for (let i = 0; i < 3; i++) dead.script({ fault: { type: 'http', failure: 'server_error' } });
      for (let i = 0; i < 3; i++) await r.send(QUESTION);
      assert.equal(r.routeStatus()[0]!.breaker, 'open');
      await r.send(QUESTION);
      assert.equal(dead.requests.length, 3, 'the open breaker sent nothing');
      await new Promise((resolve) => setTimeout(resolve, 350));
      const probe = await r.send(QUESTION);
      assert.equal(probe.route.id, 'dead');
      assert.equal(r.routeStatus()[0]!.breaker, 'closed');
    } finally {
      await r.dispose();
    }
  });

  it('cancellation closes the socket of the call in flight', async () => {
    const hung = primary.get('anthropic')!;
    hung.script({ fault: { type: 'hang' } });
    const r = router([route('hung', 'anthropic', hung, 'hot'), route('next', 'openai', backup.get('openai')!, 'warm')]);
    try {
      const controller = new AbortController();
      const pending = r.send(QUESTION, { stream: true, signal: controller.signal });
      while (hung.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await assert.rejects(pending, (e: unknown) => isCancelledError(e));
      const recorded = await hung.whenClosed(0);
      assert.equal(recorded.aborted, true, 'the fake saw the client close the connection');
      assert.equal(backup.get('openai')!.requests.length, 0, 'nothing more was sent');
    } finally {
      await r.dispose();
    }
  });

  it('continues a stream cut mid-answer on an Anthropic route that takes a prefill, and says so', async () => {
    const cut = primary.get('openai')!;
    const claude = backup.get('anthropic')!;
    cut.script({ reply: { text: 'parseRoutes checks every route and keeps the good ones', chunkSize: 10 }, fault: { type: 'cut', afterEvents: 3 } });
    claude.script({ reply: { text: ' and reports the bad ones.' } });
    const r = router([route('cut', 'openai', cut, 'hot'), { ...route('claude', 'anthropic', claude, 'warm'), model: 'claude-sonnet-4-5' }]);
    try {
      const seen: string[] = [];
      const answer = await r.send(QUESTION, { stream: true, onAnswer: (e) => seen.push(e.type) });
      assert.equal(answer.continuation, 'prefill');
      assert.ok(seen.includes('continue'));
      const body = claude.requests[0]!.body as { messages: Array<{ role: string; content: unknown }> };
      const last = body.messages.at(-1)!;
      assert.equal(last.role, 'assistant', 'the partial text went as a prefill');
      const text = answer.response.message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
      assert.ok(text.endsWith('and reports the bad ones.'));
      assert.ok(text.startsWith('parseRoutes'));
    } finally {
      await r.dispose();
    }
  });

  it('never executes a tool call whose stream was cut: the next route starts over', async () => {
    const cut = primary.get('anthropic')!;
    const next = backup.get('gemini')!;
    cut.script({ reply: { text: 'Reading.', toolCalls: [{ name: 'read_symbol', arguments: { name: 'x' } }] }, fault: { type: 'cut', insideToolCall: true } });
    next.script({ reply: { text: 'Fresh answer.' } });
    const r = router([route('cut', 'anthropic', cut, 'hot'), route('next', 'gemini', next, 'warm')]);
    try {
      const answer = await r.send(QUESTION, { stream: true });
      assert.equal(answer.continuation, 'restart');
      assert.deepEqual(toolCallsOf(answer.response.message), []);
      assert.equal(answer.attempts[0]!.outcome, 'truncated_stream');
    } finally {
      await r.dispose();
    }
  });
});
