import type { ToolDefinition } from '../gateway/ir';

/** The tools a task offers the model: reading code through the same pipeline, and proposing an edit. */
/** Where a call's `file` may point: what the payload shows, in either form. */
const FILE_OR_MODULE = 'A path relative to the workspace root ("src/helper.ts"), or a module specifier as the target\'s file imports it ("./helper")';

export const READ_SYMBOL: ToolDefinition = {
  name: 'read_symbol',
  description: 'Read one more symbol (function, class, method, type) of the code base, with the little context that makes it understandable. ' +
    'A name the file does not define is looked for where the file imports it from, then by a bounded search of the workspace; ' +
    'a name defined in several files is answered with the candidates and their files, to call again with "file". ' +
    'Denied files (secrets, build output, dependencies) and an exhausted context budget are answered with a reason instead of code.',
  parameters: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'The symbol as the payload names it: "name", "Class.method", "Class.Inner.method", an imported name or its alias, or "ns.member" for a namespace import.' },
      file: { type: 'string', description: `Where to look first. ${FILE_OR_MODULE}. Default: the file of the target.` },
    },
    required: ['name'],
  },
};

export const LIST_SYMBOLS: ToolDefinition = {
  name: 'list_symbols',
  description: 'List the definitions of a file (names, kinds and lines), to find what to read next.',
  parameters: {
    type: 'object',
    properties: { file: { type: 'string', description: `${FILE_OR_MODULE}.` } },
    required: ['file'],
  },
};

export const PROPOSE_EDIT: ToolDefinition = {
  name: 'propose_edit',
  description: 'Propose new code for one symbol. It is shown to the user as a diff to accept or reject; nothing is written by this call.',
  parameters: {
    type: 'object',
    properties: {
      symbol: { type: 'string', description: 'The symbol to replace, named and found as in read_symbol.' },
      new_text: { type: 'string', description: 'The complete new declaration, replacing the old one.' },
      file: { type: 'string', description: `Where to look first. ${FILE_OR_MODULE}. Default: the file of the target.` },
    },
    required: ['symbol', 'new_text'],
  },
};

/** The tools of a task: every task reads; only refactor proposes edits. */
export function toolsFor(task: string): ToolDefinition[] {
  return task === 'refactor' ? [READ_SYMBOL, LIST_SYMBOLS, PROPOSE_EDIT] : [READ_SYMBOL, LIST_SYMBOLS];
}
