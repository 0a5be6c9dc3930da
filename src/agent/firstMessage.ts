import type { ExtractResult } from '../context/index';
import type { TaskId } from './tasks';

const ASK: Record<TaskId, string> = {
  explain: 'Explain the target symbol below.',
  bugs: 'Find bugs in the target symbol below.',
  tests: 'Write unit tests for the target symbol below.',
  refactor: 'Refactor the target symbol below, and submit the new code with propose_edit.',
  custom: 'About the target symbol below:',
};

/**
 * The first user turn: what is asked, then the payload exactly as the context engine built it
 * (the text the user can preview), then what was left out so the model knows to ask for it.
 */
export function firstMessage(task: TaskId, instruction: string | undefined, extract: ExtractResult): string {
  const lines = [`${ASK[task]}${instruction?.trim() ? ` ${instruction.trim()}` : ''}`];
  lines.push(`Target: ${extract.target.kind} ${extract.target.symbol} in ${extract.target.file} (lines ${extract.target.startLine}-${extract.target.endLine}, ${extract.language}).`, '');
  lines.push(extract.payload);
  if (extract.omitted.length) {
    lines.push('', `Left out to stay within the budget (read them with read_symbol if you need them): ${extract.omitted.map((o) => `${o.symbol} (${o.file})`).join(', ')}.`);
  }
  return lines.join('\n');
}
