// npm run bench:gateway: what the chain adds to a request, against a direct undici request to
// the same loopback fake in the same run, at 1 and 50 concurrent: the router alone, and the
// whole chain with a money budget over a state folder (the ledger's reads and writes on every
// request); and what a dead route costs a request with its breaker closed and open. The fake
// runs in a child process so its work does not share this event loop. Prints figures; asserts
// nothing. BENCH_ROUNDS, BENCH_SEQUENTIAL, BENCH_BURSTS and BENCH_WARMUP set the sample sizes; BENCH_CASES
// (router,budgeted) and BENCH_CONCURRENCY (1,50) narrow what runs, for a profile of one case;
// BENCH_GAP_US sets the busy gap of the control at 1 in flight (see below). Last, the chain's own
// work without the network, back to back and after idling (see ownWork).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import type { ChatRequest } from '../../src/gateway/ir';
import { LightAbort } from '../../src/gateway/routing/lightAbort';
import type { HttpResponse, Transport } from '../../src/gateway/routing/transport';
import { openChain } from '../../src/gateway/openChain';
import { DEFAULT_POLICY, type PolicyConfig } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 400);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1500);
const CASES = (process.env.BENCH_CASES ?? 'router,budgeted').split(',');
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,50').split(',').map(Number);
/** The busy gap of the control at 1 in flight, about what the chain adds to a request there. */
const GAP_US = Number(process.env.BENCH_GAP_US ?? 50);

async function startFake(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'test', 'fakes', 'serve.js'), '--kind', 'openai', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
    child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (ms: number) => ms.toFixed(3);

/** Median time a request through `chain` takes beyond the same request on the live route `alone`. */
async function timeLost(chain: Router, alone: Router, runs: number): Promise<number> {
  const lost: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await alone.send(QUESTION);
    const base = performance.now() - t0;
    const t1 = performance.now();
    await chain.send(QUESTION);
    lost.push(performance.now() - t1 - base);
  }
  return median(lost);
}

const QUESTION: ChatRequest = { system: 'You explain code.', messages: [{ role: 'user', parts: [{ type: 'text', text: 'Explain parseRoutes in two sentences.' }] }] };
/**
 * A different question each time, of the same size: the chain answers identical requests in
 * flight with one call, and from its cache after.
 */
let asked = 0;
const nextQuestion = (): ChatRequest => ({ ...QUESTION, messages: [{ role: 'user', parts: [{ type: 'text', text: `Explain parseRoutes in two sentences. #${String(asked++ % 1_000_000).padStart(6, '0')}` }] }] });

async function main(): Promise<void> {
  const fake = await startFake();
  try {
    const route: Route = { id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'KEY', maxOutputTokens: 256 };
    const policy: PolicyConfig = { ...DEFAULT_POLICY, maxConcurrent: 64, maxQueued: 256 };
    // With the key known at once, as the extension's key store and the CLI's environment give it.
    const router = new Router({ routes: [route], policy, adapterFor, keyFor: async () => 'test-key', knownKey: () => 'test-key' });
    // The baseline is what a caller does without the chain: build the provider's request, send
    // it with undici over a keep-alive pool, parse the answer. The chain adds routing, policies
    // (bulkhead, retry, breaker, timeout with a cancel signal), attempt records and events.
    const adapter = adapterFor('openai');
    const agent = new Agent({ keepAliveTimeout: 30_000 });
    const directWith = (question: () => ChatRequest) => async () => {
      const t = performance.now();
      const spec = adapter.buildRequest(route, { ...question(), maxOutputTokens: 256 }, { stream: false, apiKey: 'test-key' });
      const res = await request(spec.url, { method: 'POST', headers: spec.headers, body: spec.body, dispatcher: agent });
      adapter.parseResponse(await res.body.text());
      return performance.now() - t;
    };
    const direct = directWith(() => QUESTION);
    const gateway = async () => {
      const t = performance.now();
      await router.send(QUESTION);
      return performance.now() - t;
    };
    // The whole chain as the extension opens it, with a money budget: every request passes the
    // budget's gate, holds its worst case and settles it in the ledger's files.
    const stateDir = mkdtempSync(join(tmpdir(), 'cg-bench-'));
    const { config } = parseChainConfig({
      routes: [{ ...route }],
      policy: { maxConcurrent: 64, maxQueued: 256 },
      budget: { limitUsd: 100_000, period: 'month' },
      cache: { ttlSeconds: 0 },
    });
    const services = await openChain(config, { stateDir, adapterFor, keyFor: async () => 'test-key', knownKey: () => 'test-key' });
    const budgeted = async () => {
      const t = performance.now();
      const result = await services.chain.ask(nextQuestion());
      if (result.status !== 'answered') throw new Error(`the budgeted chain did not answer: ${result.message}`);
      return performance.now() - t;
    };
    const directVaried = directWith(nextQuestion);
    // Long enough that the first case measured is past the process's warm-up (compiled code,
    // grown heap): a shorter one left the first case's direct CPU twice the later cases'.
    for (let i = 0; i < WARMUP; i++) {
      await direct();
      await gateway();
      await directVaried();
      await budgeted();
    }

    const measure = async (concurrency: number, direct: () => Promise<number>, gateway: () => Promise<number>) => {
      const d: number[] = [];
      const g: number[] = [];
      const cpu = { direct: 0, gateway: 0, directN: 0, gatewayN: 0 };
      const rounds: Array<{ p50: number; p99: number }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order each round so drift of the shared machine hits both alike.
        const order = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
        const roundD: number[] = [];
        const roundG: number[] = [];
        for (const which of order) {
          const fn = which === 'direct' ? direct : gateway;
          const into = which === 'direct' ? roundD : roundG;
          const c0 = process.cpuUsage();
          const count = concurrency === 1 ? SEQUENTIAL : BURSTS;
          for (let i = 0; i < count; i++) {
            if (concurrency === 1) into.push(await fn());
            else into.push(...(await Promise.all(Array.from({ length: concurrency }, fn))));
          }
          const c1 = process.cpuUsage(c0);
          const used = (c1.user + c1.system) / 1000;
          if (which === 'direct') { cpu.direct += used; cpu.directN += into.length; } else { cpu.gateway += used; cpu.gatewayN += into.length; }
        }
        d.push(...roundD);
        g.push(...roundG);
        const sd = stats(roundD);
        const sg = stats(roundG);
        rounds.push({ p50: sg.p50 - sd.p50, p99: sg.p99 - sd.p99 });
      }
      const sd = stats(d);
      const sg = stats(g);
      return {
        direct: sd, gateway: sg,
        overheadP50: median(rounds.map((r) => r.p50)),
        overheadP99: median(rounds.map((r) => r.p99)),
        cpuPerRequest: { direct: cpu.direct / cpu.directN, gateway: cpu.gateway / cpu.gatewayN },
      };
    };

    console.log(`Gateway overhead vs direct undici to the same loopback fake (${ROUNDS} alternating rounds; ms)`);
    console.log('case      | concurrency | direct p50 | direct p99 | chain p50 | chain p99 | overhead p50 | overhead p99 | CPU/request direct | CPU/request chain | CPU overhead');
    const cases: Array<[string, () => Promise<number>, () => Promise<number>]> = [['router', direct, gateway], ['budgeted', directVaried, budgeted]];
    for (const c of CONCURRENCY) {
      for (const [name, d, g] of cases.filter(([name]) => CASES.includes(name))) {
        const m = await measure(c, d, g);
        console.log(`${name.padEnd(9)} | ${String(c).padStart(11)} | ${f(m.direct.p50).padStart(10)} | ${f(m.direct.p99).padStart(10)} | ${f(m.gateway.p50).padStart(9)} | ${f(m.gateway.p99).padStart(9)} | ${f(m.overheadP50).padStart(12)} | ${f(m.overheadP99).padStart(12)} | ${f(m.cpuPerRequest.direct).padStart(18)} | ${f(m.cpuPerRequest.gateway).padStart(17)} | ${f(m.cpuPerRequest.gateway - m.cpuPerRequest.direct).padStart(12)}`);
      }
    }
    console.log('router: a Router over one route; budgeted: the whole chain (openChain) with a money budget, a state folder and no cache.');

    // A control for the CPU figure at 1 in flight: the direct request alone, then with a busy gap
    // after each one (a spin: no work, no allocation, no system call). Whatever the gapped run
    // costs beyond its gaps comes from time passing between requests (the fake's process goes to
    // sleep and is woken by the next request), not from work: the chain's extra time alone costs that.
    if (CONCURRENCY.includes(1)) {
      const spin = () => {
        const end = performance.now() + GAP_US / 1000;
        while (performance.now() < end) { /* busy, as the chain's own work keeps the loop */ }
      };
      const gapped = async () => {
        const ms = await direct();
        spin();
        return ms;
      };
      const m = await measure(1, direct, gapped);
      const beyond = m.cpuPerRequest.gateway - GAP_US / 1000 - m.cpuPerRequest.direct;
      console.log(`control at 1 in flight: the direct request with a ${GAP_US} µs busy gap after each costs ${(beyond * 1000).toFixed(0)} µs more CPU per request than without, beyond the gap itself (direct ${(m.cpuPerRequest.direct * 1000).toFixed(0)} µs)`);
    }
    await services.dispose();
    rmSync(stateDir, { recursive: true, force: true });
    await router.dispose();
    await agent.close();

    // A dead route (nothing listens on its port) before a live one.
    const deadRoute: Route = { id: 'dead', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9', secret: 'KEY', maxOutputTokens: 256 };
    const live: Route = { ...route, id: 'live', tier: 'warm' };
    console.log('\nTime a request loses to a dead route before the live one answers (median of 50; ms)');
    for (const retries of [0, DEFAULT_POLICY.retries]) {
      const chain = new Router({ routes: [deadRoute, live], policy: { ...policy, retries, breakerThreshold: 1_000_000 }, adapterFor, keyFor: async () => 'test-key' });
      const alone = new Router({ routes: [live], policy, adapterFor, keyFor: async () => 'test-key' });
      console.log(`breaker closed, ${retries} retries (backoff ${DEFAULT_POLICY.initialDelayMs} ms doubling, full jitter): ${f(await timeLost(chain, alone, 50))}`);
      await chain.dispose();
      await alone.dispose();
    }
    const opened = new Router({ routes: [deadRoute, live], policy: { ...policy, retries: 0, breakerThreshold: 1, halfOpenAfterMs: 3_600_000 }, adapterFor, keyFor: async () => 'test-key' });
    const alone = new Router({ routes: [live], policy, adapterFor, keyFor: async () => 'test-key' });
    await opened.send(QUESTION); // opens the breaker
    console.log(`breaker open: ${f(await timeLost(opened, alone, 200))}`);
    await opened.dispose();
    await alone.dispose();
  } finally {
    fake.child.kill();
  }
}

/**
 * The chain's own work, without the network: the same three calls over a transport that answers
 * at once from memory, each timed alone, first back to back (warm) and then each after a 1 ms
 * sleep (as at 1 in flight, where the loop waits for every answer). The gap between the two is
 * what idling costs the same code on this machine, not work the chain does.
 */
async function ownWork(): Promise<void> {
  const body = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'It parses routes.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-reset-requests': '6ms' };
  const answer: HttpResponse = { status: 200, headers, header: (name) => headers[name], body: { async *[Symbol.asyncIterator]() { /* read as text */ } }, text: async () => body, discard: async () => undefined };
  const transport: Transport = { send: async () => answer, close: async () => undefined };
  const route: Route = { id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:1/v1', secret: 'KEY', maxOutputTokens: 256 };
  const adapter = adapterFor('openai');
  const router = new Router({ routes: [route], policy: { ...DEFAULT_POLICY, maxConcurrent: 64, maxQueued: 256 }, adapterFor, keyFor: async () => 'test-key', knownKey: () => 'test-key', transport });
  const stateDir = mkdtempSync(join(tmpdir(), 'cg-bench-'));
  const { config } = parseChainConfig({ routes: [{ ...route }], policy: { maxConcurrent: 64, maxQueued: 256 }, budget: { limitUsd: 100_000, period: 'month' }, cache: { ttlSeconds: 0 } });
  const services = await openChain(config, { stateDir, adapterFor, keyFor: async () => 'test-key', knownKey: () => 'test-key', transport });
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['direct', async () => adapter.parseResponse(await (await transport.send(adapter.buildRequest(route, { ...nextQuestion(), maxOutputTokens: 256 }, { stream: false, apiKey: 'test-key' }), { signal: new LightAbort(), headersTimeoutMs: 1, bodyTimeoutMs: 1 })).text())],
    ['router', () => router.send(nextQuestion())],
    ['budgeted', () => services.chain.ask(nextQuestion())],
  ];
  for (const [, call] of calls) for (let i = 0; i < WARMUP; i++) await call();
  const timed = async (idle: boolean) => {
    const out: Record<string, number> = {};
    for (const [name, call] of calls) {
      const us: number[] = [];
      for (let i = 0; i < 1000; i++) {
        if (idle) await new Promise((resolve) => setTimeout(resolve, 1));
        else await new Promise((resolve) => setImmediate(resolve));
        const t = performance.now();
        await call();
        us.push((performance.now() - t) * 1000);
      }
      out[name] = median(us);
    }
    return out;
  };
  const warm: Array<Record<string, number>> = [];
  const idle: Array<Record<string, number>> = [];
  for (let round = 0; round < 3; round++) {
    warm.push(await timed(false));
    idle.push(await timed(true));
  }
  const line = (rows: Array<Record<string, number>>) => calls.map(([name]) => `${name} ${median(rows.map((r) => r[name]!)).toFixed(1)}`).join(', ');
  console.log('\nOwn work over a transport answering from memory (median µs per call, median of 3 rounds)');
  console.log(`back to back:         ${line(warm)}`);
  console.log(`each after 1 ms idle: ${line(idle)}`);
  await services.dispose();
  rmSync(stateDir, { recursive: true, force: true });
  await router.dispose();
}

void main().then(ownWork);
