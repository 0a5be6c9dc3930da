import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProviderError } from '../../src/gateway/routing/failures';
import { SseParser, type SseEvent } from '../../src/gateway/routing/sse';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Events from the whole input, then from every split into two chunks, then byte by byte. */
function everyChunking(input: Uint8Array): SseEvent[][] {
  const runs: SseEvent[][] = [];
  const whole = new SseParser();
  runs.push([...whole.push(input), ...whole.end()]);
  for (let cut = 0; cut <= input.length; cut++) {
    const p = new SseParser();
    runs.push([...p.push(input.subarray(0, cut)), ...p.push(input.subarray(cut)), ...p.end()]);
  }
  const p = new SseParser();
  const single: SseEvent[] = [];
  for (let i = 0; i < input.length; i++) single.push(...p.push(input.subarray(i, i + 1)));
  runs.push([...single, ...p.end()]);
  return runs;
}

function assertAllChunkings(input: string | Uint8Array, expected: SseEvent[]): void {
  const data = typeof input === 'string' ? bytes(input) : input;
  for (const [i, events] of everyChunking(data).entries()) assert.deepEqual(events, expected, `chunking #${i}`);
}

describe('SSE parser', () => {
  it('joins multi-line data with \\n and names events, with LF line endings', () => {
    assertAllChunkings('event: add\ndata: first\ndata: second\n\ndata: plain\n\n', [
      { event: 'add', data: 'first\nsecond', id: '' },
      { event: 'message', data: 'plain', id: '' },
    ]);
  });

  it('accepts CRLF, CR and mixed line endings, even with the CRLF split across chunks', () => {
    const expected = [
      { event: 'message', data: 'a', id: '' },
      { event: 'message', data: 'b\nc', id: '' },
    ];
    assertAllChunkings('data: a\r\n\r\ndata: b\r\ndata: c\r\n\r\n', expected);
    assertAllChunkings('data: a\r\rdata: b\rdata: c\r\r', expected);
    assertAllChunkings('data: a\n\r\ndata: b\rdata: c\r\n\n', expected);
  });

  it('decodes UTF-8 characters split across chunks', () => {
    // "é" is 2 bytes, "€" 3, "𝄞" 4: every split point inside them is covered by everyChunking.
    assertAllChunkings('data: café € 𝄞\n\n', [{ event: 'message', data: 'café € 𝄞', id: '' }]);
  });

  it('drops one BOM at the very start, also when split, and keeps a later one', () => {
    const input = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('data: x\n\ndata: \uFEFFy\n\n')]);
    assertAllChunkings(input, [
      { event: 'message', data: 'x', id: '' },
      { event: 'message', data: '\uFEFFy', id: '' },
    ]);
  });

  it('ignores comments and unknown fields, and reads a field without a colon as an empty value', () => {
    assertAllChunkings(': OPENROUTER PROCESSING\n\nfoo: bar\ndata\n\ndata:no-space\ndata:  two spaces\n\n', [
      { event: 'message', data: '', id: '' },
      { event: 'message', data: 'no-space\n two spaces', id: '' },
    ]);
  });

  it('keeps the last event id across events, ignores ids containing NUL, and reads retry when all digits', () => {
    assertAllChunkings('id: 7\ndata: a\n\ndata: b\n\nid: x\u0000y\nretry: 1500\ndata: c\n\nretry: 2s\ndata: d\n\n', [
      { event: 'message', data: 'a', id: '7' },
      { event: 'message', data: 'b', id: '7' },
      { event: 'message', data: 'c', id: '7', retry: 1500 },
      { event: 'message', data: 'd', id: '7' },
    ]);
  });

  it('does not dispatch a block without data, and resets its event name', () => {
    assertAllChunkings('event: ping\n\ndata: after\n\n', [{ event: 'message', data: 'after', id: '' }]);
  });

  it('drops an event the stream ended inside of, as the spec says', () => {
    assertAllChunkings('data: whole\n\ndata: cut', [{ event: 'message', data: 'whole', id: '' }]);
    assertAllChunkings('data: whole\n\ndata: cut\n', [{ event: 'message', data: 'whole', id: '' }]);
  });

  it('fails an event larger than the limit as malformed instead of buffering it', () => {
    const parser = new SseParser({ maxEventSize: 64 });
    assert.deepEqual(parser.push(bytes(`data: ${'a'.repeat(40)}\n\n`)), [{ event: 'message', data: 'a'.repeat(40), id: '' }]);
    for (const input of [`data: ${'a'.repeat(40)}\ndata: ${'b'.repeat(40)}\n`, `data: ${'c'.repeat(100)}`]) {
      const p = new SseParser({ maxEventSize: 64 });
      assert.throws(
        () => {
          for (let i = 0; i < input.length; i += 10) p.push(bytes(input.slice(i, i + 10)));
        },
        (e: unknown) => isProviderError(e) && e.kind === 'malformed' && /64 characters/.test(e.message),
      );
    }
  });
});
