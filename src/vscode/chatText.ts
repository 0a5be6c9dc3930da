// The lines the chat participant writes, apart from the answer itself. Pure (no `vscode` import),
// so the wording is tested in plain Node like the answer document's.
import type { AgentResult } from '../agent/agentLoop';
import type { ExtractResult } from '../context/index';
import type { AttemptOutcome } from '../gateway/routing/events';

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What is sent, in one line: the target, its lines, and the tokens saved against the whole file. */
export function payloadHeader(extract: ExtractResult): string {
  const t = extract.target;
  const { payload, wholeFile } = extract.tokens;
  const left = [
    extract.omitted.length ? `${plural(extract.omitted.length, 'piece')} left out for the budget` : '',
    extract.excluded.length ? `${plural(extract.excluded.length, 'file')} excluded by the deny-list` : '',
    extract.redacted.length ? `${plural(extract.redacted.length, 'secret')} redacted` : '',
  ].filter(Boolean);
  return `Sending \`${t.symbol}\` (${t.file}:${t.startLine}-${t.endLine}): ${count(payload)} tokens instead of ${count(wholeFile)} for the whole file${left.length ? `; ${left.join(', ')}` : ''}.`;
}

/** A tool call of the model, as a progress line: `read_symbol roundCents (src/money.ts)`. */
export function toolLine(name: string, args: unknown, isError: boolean): string {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  const what = typeof a.name === 'string' ? ` ${a.name}` : typeof a.symbol === 'string' ? ` ${a.symbol}` : '';
  const file = typeof a.file === 'string' ? ` (${a.file})` : '';
  return `${isError ? 'Refused: ' : ''}${name}${what}${file}`;
}

export function failoverLine(from: string, to: string, reason: AttemptOutcome): string {
  return `${from} failed (${reason}); failing over to ${to}`;
}

/** The text above is void (a route failed mid-answer): said in the answer, since chat cannot take text back. */
export function restartLine(route: string, reason: string): string {
  return `\n\n> **The answer restarts on \`${route}\`** (${reason}); disregard the text above.\n\n`;
}

/** The closing line: which route answered, or why the loop stopped, or where the request waits. */
export function outcomeLine(result: AgentResult): string {
  if (result.status === 'queued') {
    // The chain's message starts with the id too; said once is enough.
    const why = (result.queueMessage ?? 'no route can answer now').replace(/^Queued as \S+: /, '').replace(/\.\s*$/, '');
    return `Queued as \`${result.queueId}\`: ${why}. The answer will arrive as a notification.`;
  }
  const by = result.routeId ? `Answered by \`${result.routeId}\` (${result.provider} ${result.model})` : 'No answer';
  const cost = result.costUsd ? ` for $${result.costUsd.toFixed(4)}` : '';
  const stopped = result.status === 'stopped' ? `; stopped because ${result.stopReason ?? 'a limit was reached'}` : '';
  return `${by}${cost}${stopped}.`;
}
