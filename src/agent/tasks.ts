/** The built-in things a user can ask about a symbol. */
export type TaskId = 'explain' | 'bugs' | 'tests' | 'refactor' | 'custom';

export const TASK_IDS: readonly TaskId[] = ['explain', 'bugs', 'tests', 'refactor', 'custom'];

export interface TaskInfo {
  readonly id: TaskId;
  readonly label: string;
  readonly systemPrompt: string;
}

const SHARED =
  'You are given one symbol from a code base (the target) and only the context that makes it ' +
  'understandable: the imports it uses, its enclosing class outline, and signatures of what it ' +
  'calls. Other code was left out on purpose; use the tools to read more instead of guessing.';

export const DEFAULT_TASKS: Readonly<Record<TaskId, TaskInfo>> = {
  explain: { id: 'explain', label: 'Explain', systemPrompt: `${SHARED} Explain what the target does, how, and why, for a developer new to this code. Be concise.` },
  bugs: { id: 'bugs', label: 'Find Bugs', systemPrompt: `${SHARED} Find bugs in the target: for each, the line, what goes wrong, an input that triggers it, and a fix. Say so plainly if you find none.` },
  tests: { id: 'tests', label: 'Write Tests', systemPrompt: `${SHARED} Write unit tests for the target in the project's language and usual test style, covering normal cases, edge cases and errors.` },
  refactor: { id: 'refactor', label: 'Refactor', systemPrompt: `${SHARED} Propose a refactoring of the target that keeps its behaviour. Submit the new code with the propose_edit tool; explain the change briefly.` },
  custom: { id: 'custom', label: 'Custom Instruction', systemPrompt: `${SHARED} Follow the user's instruction about the target.` },
};

export function isTaskId(value: string): value is TaskId {
  return (TASK_IDS as readonly string[]).includes(value);
}

/** The system prompt of a task, the user's override (from settings) taking precedence. */
export function systemPromptFor(task: TaskId, overrides: Partial<Record<TaskId, string>> = {}): string {
  // Overrides come from user files: a value that is not text is ignored here too, never a crash.
  const value: unknown = overrides[task];
  const override = typeof value === 'string' ? value.trim() : '';
  return override ? override : DEFAULT_TASKS[task].systemPrompt;
}

/** The longest task prompt accepted, in characters: a prompt is sent with every request. */
export const MAX_TASK_PROMPT_CHARS = 100_000;

/**
 * Reads the `tasks` section (task id -> system prompt) from settings or a routes file. A value of
 * the wrong type is reported in one line naming the setting and the fix, and the built-in prompt
 * is kept for that task.
 */
export function parseTaskPrompts(raw: unknown, prefix = 'tasks'): { prompts: Partial<Record<TaskId, string>>; problems: string[] } {
  const prompts: Partial<Record<TaskId, string>> = {};
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { prompts, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`"${prefix}" must be an object of task -> system prompt text, like {"explain": "..."}; the built-in prompts are used.`);
    return { prompts, problems };
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = `${prefix}.${key}`;
    if (!isTaskId(key)) {
      problems.push(`"${name}" is not a task; known: ${TASK_IDS.join(', ')}.`);
    } else if (value === undefined || value === null) {
      continue;
    } else if (typeof value !== 'string') {
      problems.push(`"${name}" is ${JSON.stringify(value)}: it must be the text of a system prompt (a string, "" for the default); the built-in prompt is used.`);
    } else if (value.length > MAX_TASK_PROMPT_CHARS) {
      problems.push(`"${name}" is ${value.length} characters: a prompt may be at most ${MAX_TASK_PROMPT_CHARS} characters; the built-in prompt is used.`);
    } else {
      prompts[key] = value;
    }
  }
  return { prompts, problems };
}
