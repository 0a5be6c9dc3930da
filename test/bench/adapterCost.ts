// What the adapters add to each call: building a request, parsing a whole answer, decoding a
// stream. Prints figures; asserts nothing (speed is measured here, never in tests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterFor } from '../../src/gateway/routing/adapters';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { REQUEST, routeFor } from '../unit/conversation';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'providers');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** Median and 99th percentile of `runs` timings of `fn`, in microseconds, after a warm-up. */
function measure(fn: () => void, runs = 2000): { p50: number; p99: number } {
  for (let i = 0; i < 200; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(runs * 0.5)] as number, p99: times[Math.floor(runs * 0.99)] as number };
}

function row(what: string, m: { p50: number; p99: number }, extra = ''): void {
  process.stdout.write(`${what.padEnd(66)} p50 ${m.p50.toFixed(1).padStart(7)} µs   p99 ${m.p99.toFixed(1).padStart(7)} µs${extra}\n`);
}

function decode(kind: HttpProviderKind, chunks: Uint8Array[]): void {
  const d = adapterFor(kind).createStreamDecoder();
  for (const c of chunks) d.push(c);
  d.end();
}

process.stdout.write(`Node ${process.version}, ${new Date().toISOString()}\n\n`);
for (const kind of ['openai', 'openai-compatible', 'anthropic', 'gemini'] as const) {
  const route = routeFor(kind);
  row(`buildRequest ${kind} (3 turns, 2 tools, 2 calls)`, measure(() => adapterFor(kind).buildRequest(route, REQUEST, { stream: true, apiKey: 'k' })));
}
process.stdout.write('\n');
for (const [kind, name] of [['openai', 'openai-chat-completion.json'], ['gemini', 'gemini-parallel-function-calls.json']] as const) {
  const text = new TextDecoder().decode(fixture(name));
  row(`parseResponse ${name}`, measure(() => adapterFor(kind).parseResponse(text)));
}
process.stdout.write('\n');
const streams: Array<[HttpProviderKind, string]> = [
  ['openai', 'openai-text-stream-usage.sse'],
  ['openai', 'openai-parallel-tool-calls-stream.sse'],
  ['anthropic', 'anthropic-thinking-stream.sse'],
  ['anthropic', 'anthropic-tool-use-stream.sse'],
  ['gemini', 'gemini-text-stream.sse'],
];
for (const [kind, name] of streams) {
  const bytes = fixture(name);
  row(`decode ${name} (${bytes.length} B, one chunk)`, measure(() => decode(kind, [bytes])));
}

// A long answer: 4000 text deltas as OpenAI sends them, fed in 1400-byte chunks (a TCP segment).
const delta = (i: number) => `data: {"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`;
const long = new TextEncoder().encode(`${Array.from({ length: 4000 }, (_, i) => delta(i)).join('')}data: {"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`);
const chunks: Uint8Array[] = [];
for (let i = 0; i < long.length; i += 1400) chunks.push(long.subarray(i, i + 1400));
const m = measure(() => decode('openai', chunks), 100);
row(`decode 4000-delta OpenAI stream (${(long.length / 1e6).toFixed(2)} MB, 1400 B chunks)`, m, `   ${(long.length / m.p50).toFixed(0)} MB/s at p50`);
