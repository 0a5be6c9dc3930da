import * as vscode from 'vscode';
import type { Selector } from '../context/index';
import { documentTarget, isTargetProblem, NAME, rangeSelector, type SymbolTarget, type TargetProblem } from './symbolTarget';

/** A chat request's target, and the words of the prompt that are not its name. */
export interface ChatTarget {
  readonly target: SymbolTarget;
  readonly instruction: string;
}

/** Where the request points: a document, and the selector it implies when the prompt names no symbol. */
interface Source {
  readonly document: vscode.TextDocument;
  readonly fallback?: Selector;
}

/** VS Code attaches the editor's state by itself under these ids; the user attaches the others. */
const IMPLICIT = 'vscode.implicit';
const IMPLICIT_SELECTION = 'vscode.implicit.selection';

const isLocation = (value: unknown): value is vscode.Location => value instanceof vscode.Location;
const isUri = (value: unknown): value is vscode.Uri => value instanceof vscode.Uri;

/** The prompt without the `#file:…` / `#selection` text of its references. */
function promptWords(request: vscode.ChatRequest): string {
  let prompt = request.prompt;
  // Cut from the end, so earlier ranges stay valid.
  for (const ref of [...request.references].filter((r) => r.range).sort((a, b) => b.range![0] - a.range![0])) {
    prompt = prompt.slice(0, ref.range![0]) + prompt.slice(ref.range![1]);
  }
  return prompt.replace(/\s+/g, ' ').trim();
}

async function sourceOf(ref: vscode.ChatPromptReference): Promise<Source | TargetProblem | undefined> {
  const value = ref.value;
  const uri = isLocation(value) ? value.uri : isUri(value) ? value : undefined;
  if (!uri) return undefined;
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(uri);
  } catch (e) {
    return { problem: `${vscode.workspace.asRelativePath(uri)} cannot be opened as a text file (${e instanceof Error ? e.message : String(e)}); reference one TypeScript, JavaScript or Python file.` };
  }
  // A viewport is where the editor happens to be scrolled, not a choice: only a selection selects.
  const selects = isLocation(value) && (ref.id === IMPLICIT_SELECTION || !ref.id.startsWith(IMPLICIT));
  return { document, ...(selects ? { fallback: rangeSelector(document, value.range) } : {}) };
}

/** The user's first reference (in prompt order), else the active editor, else what VS Code attached. */
async function requestSource(request: vscode.ChatRequest): Promise<Source | TargetProblem | undefined> {
  const explicit = request.references.filter((r) => !r.id.startsWith(IMPLICIT)).sort((a, b) => (a.range?.[0] ?? Infinity) - (b.range?.[0] ?? Infinity));
  for (const ref of explicit) {
    const source = await sourceOf(ref);
    if (source) return source;
  }
  const editor = vscode.window.activeTextEditor;
  if (editor) return { document: editor.document, fallback: rangeSelector(editor.document, editor.selection, editor.selection.active) };
  const implicit = request.references.filter((r) => r.id.startsWith(IMPLICIT)).sort((a) => (a.id === IMPLICIT_SELECTION ? -1 : 1));
  for (const ref of implicit) {
    const source = await sourceOf(ref);
    if (source) return source;
  }
  return undefined;
}

/** Words that point at what the cursor is on rather than name a symbol. */
const POINTING_WORDS: ReadonlySet<string> = new Set(['this', 'that', 'it', 'here', 'selection', 'selected', 'cursor', 'current']);

/**
 * What a chat request works on. The prompt may name the symbol: all of it (`/explain orderTotal`,
 * taken as a name even if the file has no such symbol, so a typo gets the engine's clear error),
 * its first word, or a name in backticks, when the file defines it. Otherwise the reference's
 * selection or the editor's cursor decides, as for the command; a bare `#file` needs a name.
 */
export async function chatTarget(
  request: vscode.ChatRequest,
  symbolsOf: (target: SymbolTarget) => Promise<readonly string[]>,
): Promise<ChatTarget | TargetProblem> {
  const source = await requestSource(request);
  if (!source) return { problem: 'Open a TypeScript, JavaScript or Python file and put the cursor in a function, class or method, or reference one with `#file` and name the symbol (`/explain orderTotal #file:prices.ts`).' };
  if ('problem' in source) return source;
  const { document, fallback } = source;
  // Checked first: an unsupported file gets its own message, whatever the prompt says.
  const file = documentTarget(document, fallback ?? { line: 1 });
  if (isTargetProblem(file)) return file;
  const at = (selector: Selector, instruction: string): ChatTarget => ({ target: { ...file, selector }, instruction });
  const words = promptWords(request);
  // `/explain this`, `/bugs here`: words about the cursor, not a symbol's name.
  if (request.command && NAME.test(words) && !(fallback && POINTING_WORDS.has(words.toLowerCase()))) return at({ symbol: words }, '');
  const first = words.split(' ')[0] ?? '';
  const quoted = [...words.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim()).filter((n) => NAME.test(n));
  const needsList = quoted.length > 0 || NAME.test(first) || !fallback;
  const known = needsList ? await symbolsOf(file).catch(() => [] as readonly string[]) : [];
  const named = quoted.find((n) => known.includes(n));
  if (named) return at({ symbol: named }, words);
  if (NAME.test(first) && known.includes(first)) return at({ symbol: first }, words.slice(first.length).trim());
  if (fallback) return at(fallback, words);
  const path = vscode.workspace.asRelativePath(document.uri);
  const list = known.length ? ` It defines ${known.slice(0, 12).map((n) => `\`${n}\``).join(', ')}${known.length > 12 ? ', …' : ''}.` : '';
  return { problem: `Which symbol of ${path}? Name it in the prompt, like \`/${request.command ?? 'explain'} ${known[0] ?? 'orderTotal'} #file:${path.split('/').pop()}\`.${list}` };
}
