import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idempotencyKey } from '../../src/gateway/guardrails/idempotency';
import type { ChatRequest } from '../../src/gateway/ir';

const base = (callId: string, origin?: { provider: 'openai' | 'anthropic'; id: string }): ChatRequest => ({
  system: 'explain',
  messages: [
    { role: 'user', parts: [{ type: 'text', text: 'explain f' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: callId, name: 'read_symbol', arguments: { name: 'g', file: 'a.ts' }, ...(origin ? { origin } : {}) }] },
    { role: 'user', parts: [{ type: 'tool_result', callId, name: 'read_symbol', content: 'function g() {}' }] },
  ],
});

describe('idempotency key', () => {
  it('is the same for the same conversation whatever the provider ids and key order', () => {
    const a = idempotencyKey(base('tc1', { provider: 'openai', id: 'call_abc' }));
    const b = idempotencyKey(base('tc2', { provider: 'anthropic', id: 'toolu_xyz' }));
    const reordered: ChatRequest = { ...base('tc3'), messages: base('tc3').messages.map((m) => m.role === 'assistant'
      ? { role: 'assistant', parts: [{ type: 'tool_call', id: 'tc3', name: 'read_symbol', arguments: { file: 'a.ts', name: 'g' } }] }
      : m) };
    assert.equal(a, b);
    assert.equal(a, idempotencyKey(reordered));
    assert.match(a, /^cg-[0-9a-f]{40}$/);
  });

  it('differs when anything the model reads differs', () => {
    const a = idempotencyKey(base('tc1'));
    assert.notEqual(a, idempotencyKey({ ...base('tc1'), system: 'find bugs' }));
    assert.notEqual(a, idempotencyKey({ ...base('tc1'), maxOutputTokens: 100 }));
    assert.notEqual(a, idempotencyKey({ ...base('tc1'), tools: [{ name: 't', description: 'd', parameters: { type: 'object' } }] }));
  });

  it('stays the same from version to version: queued entries and cached answers are found by it', () => {
    // Keys made by 0.1's implementation (a canonical copy of the whole request), for requests with
    // every kind of part, unsorted tool arguments and schemas, and text JSON escapes.
    const full = {
      system: 'explain', temperature: 0.2, maxOutputTokens: 300,
      tools: [{ name: 't', description: 'd', parameters: { type: 'object', required: ['b', 'a'], properties: { z: { type: 'string' }, a: { type: 'number' } } } }],
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'explain f "quoted" \u2028 é' }] },
        { role: 'assistant', parts: [{ type: 'reasoning', text: 'hmm' }, { type: 'tool_call', id: 'call_1', name: 'read_symbol', arguments: { name: 'g', file: 'a.ts', nested: { y: [3, { b: 1, a: 2 }], x: null } } }] },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'call_1', name: 'read_symbol', content: 'function g() {}', isError: true }] },
      ],
    } as ChatRequest;
    assert.equal(idempotencyKey(full), 'cg-4efece32abd9439c6a65b8327eb5eec67d0a4f12');
    assert.equal(idempotencyKey({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }), 'cg-3f37d8b84a8019fbbcc4d8636bd3cc2843844893');
  });
});
