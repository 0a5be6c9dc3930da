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
});
