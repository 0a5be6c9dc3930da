import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentResult } from '../../src/agent/agentLoop';
import type { ExtractResult } from '../../src/context/index';
import { failoverLine, outcomeLine, payloadHeader, restartLine, toolLine } from '../../src/vscode/chatText';

const extract = {
  target: { symbol: 'orderTotal', kind: 'function', file: 'src/prices.ts', startLine: 4, endLine: 10, text: '' },
  pieces: [], omitted: [], excluded: [], redacted: [], stopped: [],
  tokens: { payload: 212, wholeFile: 1840, budget: 8000, encoding: 'o200k_base', factor: 1 },
} as unknown as ExtractResult;

const answered = { status: 'answered', routeId: 'openai-main', provider: 'openai', model: 'gpt-4o-mini', costUsd: 0 } as unknown as AgentResult;

describe('chat participant text', () => {
  it('says what is sent against the whole file, and what was left out', () => {
    assert.equal(payloadHeader(extract), 'Sending `orderTotal` (src/prices.ts:4-10): 212 tokens instead of 1,840 for the whole file.');
    const trimmed = { ...extract, omitted: [{}, {}], excluded: [{}], redacted: [] } as unknown as ExtractResult;
    assert.match(payloadHeader(trimmed), /for the whole file; 2 pieces left out for the budget, 1 file excluded by the deny-list\.$/);
  });

  it('names tool calls, failovers and restarts in the user\'s words', () => {
    assert.equal(toolLine('read_symbol', { name: 'roundCents', file: 'src/money.ts' }, false), 'read_symbol roundCents (src/money.ts)');
    assert.equal(toolLine('propose_edit', { symbol: 'roundCents', new_text: 'x' }, true), 'Refused: propose_edit roundCents');
    assert.equal(toolLine('list_symbols', null, false), 'list_symbols');
    assert.equal(failoverLine('openai-main', 'claude-backup', 'overloaded'), 'openai-main failed (overloaded); failing over to claude-backup');
    assert.match(restartLine('claude-backup', 'stream cut'), /restarts on `claude-backup`\*\* \(stream cut\)/);
  });

  it('ends with the route, the stop reason, or the queue id said once', () => {
    assert.equal(outcomeLine(answered), 'Answered by `openai-main` (openai gpt-4o-mini).');
    assert.equal(outcomeLine({ ...answered, costUsd: 0.00123 }), 'Answered by `openai-main` (openai gpt-4o-mini) for $0.0012.');
    assert.equal(outcomeLine({ ...answered, status: 'stopped', stopReason: 'the turn limit (8) was reached' }), 'Answered by `openai-main` (openai gpt-4o-mini); stopped because the turn limit (8) was reached.');
    const queued = { status: 'queued', queueId: 'q-1', queueMessage: 'Queued as q-1: all routes failed. It will be sent when a route recovers.' } as unknown as AgentResult;
    assert.equal(outcomeLine(queued), 'Queued as `q-1`: all routes failed. It will be sent when a route recovers. The answer will arrive as a notification.');
  });
});
