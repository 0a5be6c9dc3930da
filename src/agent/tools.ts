import type { ToolDefinition } from '../gateway/ir';

/** The tools a task offers the model: reading code through the same pipeline, and proposing an edit. */
export const READ_SYMBOL: ToolDefinition = {
  name: 'read_symbol',
  description: 'Read one more symbol (function, class, method, type) of the code base, with the little context that makes it understandable. ' +
    'Denied files (secrets, build output, dependencies) and an exhausted context budget are answered with a reason instead of code.',
  parameters: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'The symbol: "name", "Class.method" or "Class.Inner.method".' },
      file: { type: 'string', description: 'Path relative to the workspace root; default: the file of the target.' },
    },
    required: ['name'],
  },
};

export const LIST_SYMBOLS: ToolDefinition = {
  name: 'list_symbols',
  description: 'List the definitions of a file (names, kinds and lines), to find what to read next.',
  parameters: {
    type: 'object',
    properties: { file: { type: 'string', description: 'Path relative to the workspace root.' } },
    required: ['file'],
  },
};

export const PROPOSE_EDIT: ToolDefinition = {
  name: 'propose_edit',
  description: 'Propose new code for one symbol. It is shown to the user as a diff to accept or reject; nothing is written by this call.',
  parameters: {
    type: 'object',
    properties: {
      symbol: { type: 'string', description: 'The symbol to replace, as in read_symbol.' },
      new_text: { type: 'string', description: 'The complete new declaration, replacing the old one.' },
      file: { type: 'string', description: 'Path relative to the workspace root; default: the file of the target.' },
    },
    required: ['symbol', 'new_text'],
  },
};

/** The tools of a task: every task reads; only refactor proposes edits. */
export function toolsFor(task: string): ToolDefinition[] {
  return task === 'refactor' ? [READ_SYMBOL, LIST_SYMBOLS, PROPOSE_EDIT] : [READ_SYMBOL, LIST_SYMBOLS];
}
