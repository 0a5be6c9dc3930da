// The Markdown of an answer document, built up as a task runs. Pure (no `vscode` import).
import type { AgentResult } from '../agent/agentLoop';
import type { Attempt } from '../gateway/routing/events';

/** One turn of a task as the answer document shows it. */
interface Turn {
  text: string;
  readonly tools: string[];
}

const LABELS: Record<string, string> = { explain: 'Explain', bugs: 'Find bugs in', tests: 'Write tests for', refactor: 'Refactor', custom: 'Ask about' };

function attemptLine(a: Attempt & { turn?: number }): string {
  const status = a.httpStatus ? ` ${a.httpStatus}` : '';
  const timing = a.skipped ? ' (not sent)' : ` in ${Math.round(a.ms)} ms`;
  return `${a.turn ? `turn ${a.turn}: ` : ''}\`${a.route}\` ${a.outcome}${status}${timing}`;
}

/** How many secrets were taken out before sending, by where they were; nothing when none were. */
function redactionNote(result: AgentResult): string[] {
  const counts: Array<[number, string]> = [
    [result.extract.redacted.length, 'the payload'],
    [result.redacted.instruction.length, 'your instruction'],
    [result.redacted.taskPrompt.length, 'the task prompt'],
  ];
  const parts = counts.filter(([n]) => n > 0).map(([n, where]) => `${n} from ${where}`);
  return parts.length ? [`<sub>Redacted before sending: ${parts.join(', ')}.</sub>`] : [];
}

/** Collects a task's streamed text, tool calls and outcome, and renders them as Markdown. */
export class AnswerText {
  private readonly turns: Turn[] = [];
  private footer = '';
  private status = '_Waiting for the first route…_';

  constructor(private readonly task: string, private readonly symbol: string, private readonly where: string) {}

  private turn(n: number): Turn {
    while (this.turns.length < n) this.turns.push({ text: '', tools: [] });
    return this.turns[n - 1]!;
  }

  /** A route is answering. */
  sending(route: string, tier: string): void {
    this.status = `_Answering on \`${route}\` (${tier})…_`;
  }

  append(turn: number, text: string): void {
    this.turn(turn).text += text;
  }

  /** The stream was cut and restarts elsewhere: this turn's text so far is void. */
  restart(turn: number, route: string): void {
    this.turn(turn).text = '';
    this.status = `_The stream was cut; starting again on \`${route}\`…_`;
  }

  tool(turn: number, name: string, args: unknown, isError: boolean): void {
    const a = (args ?? {}) as Record<string, unknown>;
    const what = typeof a.name === 'string' ? `\`${a.name}\`` : typeof a.symbol === 'string' ? `\`${a.symbol}\`` : '';
    const file = typeof a.file === 'string' ? ` (${a.file})` : '';
    this.turn(turn).tools.push(`> ${isError ? '⚠ refused: ' : ''}${name} ${what}${file}`);
  }

  finish(result: AgentResult): void {
    this.status = '';
    const cost = result.costUsd ? ` · $${result.costUsd.toFixed(4)}` : '';
    const by = result.routeId ? `answered by \`${result.routeId}\` (${result.provider} ${result.model})` : '';
    if (result.status === 'queued') {
      this.status = `**Queued** as \`${result.queueId}\`: ${result.queueMessage ?? 'no route could answer now'} You will be told when the answer is ready.`;
    } else if (result.status === 'stopped') {
      this.status = `**Stopped**: ${result.stopReason}. Above is what was gathered.`;
    }
    // Every turn is rebuilt from the final history: a turn that was restarted shows its final text.
    this.footer = [
      `${by}${by ? ' · ' : ''}${result.turns} turn(s) · ${result.toolCalls.length} tool call(s)${cost}`,
      `<sub>Attempts: ${result.attempts.map(attemptLine).join('; ') || 'none (answered from the cache)'}</sub>`,
      `<sub>Payload: ${result.extract.tokens.payload} tokens of the file's ${result.extract.tokens.wholeFile}; context read in all: ${result.contextTokens.used} of ${result.contextTokens.limit}.</sub>`,
      ...redactionNote(result),
    ].join('\n\n');
  }

  fail(message: string): void {
    this.status = `**Failed**: ${message.replace(/\n/g, '  \n')}`;
  }

  render(): string {
    const parts = [`# ${LABELS[this.task] ?? 'Ask about'} \`${this.symbol}\``, `\`${this.where}\``, ''];
    for (const turn of this.turns) {
      if (turn.text.trim()) parts.push(turn.text.trim(), '');
      if (turn.tools.length) parts.push(turn.tools.join('\n'), '');
    }
    if (this.status) parts.push(this.status, '');
    if (this.footer) parts.push('---', this.footer, '');
    return parts.join('\n');
  }
}
