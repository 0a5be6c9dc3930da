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
  const override = overrides[task]?.trim();
  return override ? override : DEFAULT_TASKS[task].systemPrompt;
}
