import { redactSecrets, type Redaction } from '../context/secrets';

/** Secrets taken out of the user's own words for a task, by where they were; never their values. */
export interface AskRedactions {
  readonly instruction: readonly Redaction[];
  /** The task's system prompt (a user's override from settings or a routes file). */
  readonly taskPrompt: readonly Redaction[];
}

export interface RedactedAsk {
  readonly instruction?: string;
  readonly taskPrompt: string;
  readonly redacted: AskRedactions;
}

/**
 * The instruction and the task prompt redacted by the payload's rules: they leave the machine
 * with the payload and are queued with it, so a key pasted into either must not go further.
 */
export function redactAsk(instruction: string | undefined, taskPrompt: string): RedactedAsk {
  const asked = instruction === undefined ? undefined : redactSecrets(instruction);
  const prompt = redactSecrets(taskPrompt);
  return {
    ...(asked ? { instruction: asked.text } : {}),
    taskPrompt: prompt.text,
    redacted: { instruction: asked?.redactions ?? [], taskPrompt: prompt.redactions },
  };
}

/** The line that tells the user what was redacted from their words (kinds only), or undefined when nothing was. */
export function askRedactionLine(redacted: AskRedactions): string | undefined {
  const all = [...redacted.instruction, ...redacted.taskPrompt];
  if (all.length === 0) return undefined;
  const where = [redacted.instruction.length ? 'the instruction' : '', redacted.taskPrompt.length ? 'the task prompt' : ''].filter(Boolean).join(' and ');
  return `redacted ${all.length} secret(s) from ${where} before sending: ${[...new Set(all.map((r) => r.kind))].join(', ')}`;
}
