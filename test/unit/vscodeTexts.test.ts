import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentResult } from '../../src/agent/agentLoop';
import type { ExtractResult } from '../../src/context/index';
import { AnswerText } from '../../src/vscode/answerText';
import { payloadPreviewText } from '../../src/vscode/payloadText';

const extract: ExtractResult = {
  target: { symbol: 'orderTotal', kind: 'function', file: 'src/prices.ts', startLine: 4, endLine: 10, text: 'export function orderTotal() {}' },
  language: 'typescript',
  pieces: [{ role: 'target', file: 'src/prices.ts', symbol: 'orderTotal', kind: 'function', startLine: 4, endLine: 10, tokens: 103 }],
  payload: '// ==== target: function orderTotal (src/prices.ts:4-10) ====\nexport function orderTotal() {}\n',
  tokens: { payload: 120, wholeFile: 900, budget: 8000, encoding: 'o200k_base', factor: 1.25 },
  omitted: [{ role: 'signature', file: 'src/prices.ts', symbol: 'Big', kind: 'class', startLine: 20, endLine: 90, tokens: 700, reason: 'over budget' }],
  excluded: [{ file: 'src/internal/audit.ts', pattern: 'src/internal/', source: '.contextignore line 2', denied: true } as never],
  redacted: [{ kind: 'aws-access-key', file: 'src/prices.ts', line: 7 } as never],
  stopped: [],
};

describe('payload preview text', () => {
  it('has a summary of what is sent, left out, excluded and redacted, then the payload as sent', () => {
    const text = payloadPreviewText(extract);
    const lines = text.split('\n');
    assert.equal(lines[0], '#> Context Gateway payload preview: function orderTotal (src/prices.ts:4-10)');
    assert.equal(lines[1], '#> tokens: 120 of a budget of 8000 (o200k_base x 1.25), 13.3% of the whole file (900 tokens)');
    assert.equal(lines[2], '#> pieces: 1 kept, 1 omitted, 1 excluded, 1 redacted');
    assert.ok(lines.includes('#>   omitted   signature          Big  src/prices.ts:20-90  700 tokens: over budget'));
    assert.ok(lines.includes('#>   excluded  src/internal/audit.ts  by "src/internal/" (.contextignore line 2)'));
    assert.ok(lines.includes('#>   redacted  aws-access-key  src/prices.ts:7'));
    assert.ok(text.endsWith(`${extract.payload.trimEnd()}\n`), 'the payload follows unchanged');
  });
});

describe('answer text', () => {
  it('shows streamed text per turn, drops a restarted turn\'s text, lists tool calls, and ends with the route and attempts', () => {
    const answer = new AnswerText('explain', 'orderTotal', 'src/prices.ts:4-10');
    answer.sending('openai-main', 'hot');
    assert.match(answer.render(), /_Answering on `openai-main` \(hot\)…_/);
    answer.append(1, 'half a sent');
    answer.restart(1, 'claude');
    answer.append(1, 'Let me read roundCents.');
    answer.tool(1, 'read_symbol', { name: 'roundCents', file: 'src/money.ts' }, false);
    answer.tool(1, 'read_symbol', { name: 'x', file: '.env' }, true);
    answer.append(2, 'It sums and rounds.');
    const result = {
      status: 'answered', text: '', turns: 2, toolCalls: [{}, {}], proposals: [], routeId: 'claude', provider: 'anthropic', model: 'claude-sonnet-4-5',
      attempts: [{ turn: 1, route: 'openai-main', outcome: 'truncated_stream', httpStatus: 200, ms: 40, skipped: false }, { turn: 1, route: 'claude', outcome: 'answered', httpStatus: 200, ms: 80, skipped: false }],
      usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0.0031, extract, contextTokens: { used: 300, limit: 16000 },
      redacted: { instruction: [{ kind: 'aws-access-key', line: 1 }, { kind: 'assigned-secret', line: 1 }], taskPrompt: [] },
    } as unknown as AgentResult;
    answer.finish(result);
    const md = answer.render();
    assert.ok(!md.includes('half a sent'), 'text from a cut stream that restarted is gone');
    assert.match(md, /^# Explain `orderTotal`\n`src\/prices\.ts:4-10`/);
    assert.match(md, /Let me read roundCents\.\n\n> read_symbol `roundCents` \(src\/money\.ts\)\n> ⚠ refused: read_symbol `x` \(\.env\)\n\nIt sums and rounds\./);
    assert.match(md, /answered by `claude` \(anthropic claude-sonnet-4-5\) · 2 turn\(s\) · 2 tool call\(s\) · \$0\.0031/);
    assert.match(md, /turn 1: `openai-main` truncated_stream 200 in 40 ms; turn 1: `claude` answered 200 in 80 ms/);
    assert.match(md, /Redacted before sending: 1 from the payload, 2 from your instruction\./);
  });

  it('says when a task was queued or stopped', () => {
    const queued = new AnswerText('bugs', 'f', 'a.ts:1-2');
    queued.finish({ status: 'queued', queueId: 'q-1', queueMessage: 'Queued as q-1: every route failed.', text: '', turns: 1, toolCalls: [], proposals: [], attempts: [], usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, extract, redacted: { instruction: [], taskPrompt: [] }, contextTokens: { used: 1, limit: 2 } } as unknown as AgentResult);
    assert.match(queued.render(), /\*\*Queued\*\* as `q-1`/);
    const stopped = new AnswerText('bugs', 'f', 'a.ts:1-2');
    stopped.finish({ status: 'stopped', stopReason: 'the turn limit (6) was reached', text: '', turns: 6, toolCalls: [], proposals: [], attempts: [], usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, extract, redacted: { instruction: [], taskPrompt: [] }, contextTokens: { used: 1, limit: 2 } } as unknown as AgentResult);
    assert.match(stopped.render(), /\*\*Stopped\*\*: the turn limit \(6\) was reached/);
  });
});
