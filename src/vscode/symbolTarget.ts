import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { languageForPath } from '../context/languages';
import type { Selector } from '../context/index';

/** What a command works on: a symbol in a file, and the workspace it belongs to. */
export interface SymbolTarget {
  readonly root: string;
  readonly file: string;
  /** The editor's text, saved or not: what the user sees is what is extracted. */
  readonly text: string;
  readonly selector: Selector;
  readonly uri: vscode.Uri;
}

/** Arguments a command may be given instead of the active editor (keybindings, tests). */
export interface TargetArgs {
  readonly uri?: string | vscode.Uri;
  readonly symbol?: string;
  readonly line?: number;
  readonly column?: number;
}

/** Why there is no target, in words for the user. */
export interface TargetProblem {
  readonly problem: string;
}

/** A selection that is a name (`parseRoutes`, `Router.send`) selects by name; else the cursor's position. */
export const NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export const NO_EDITOR_TARGET = 'Context Gateway: open a TypeScript, JavaScript or Python file and put the cursor in a function, class or method (or select its name).';

/** A range's name when its text is one (`parseRoutes`, `Router.send`), else the position of its start. */
export function rangeSelector(document: vscode.TextDocument, range: vscode.Range, active: vscode.Position = range.start): Selector {
  const selected = document.getText(range).trim();
  if (!range.isEmpty && NAME.test(selected)) return { symbol: selected };
  return { line: active.line + 1, column: active.character + 1 };
}

/** The target for a selector in a document, or why that document cannot be worked on. */
export function documentTarget(document: vscode.TextDocument, selector: Selector): SymbolTarget | TargetProblem {
  if (document.uri.scheme !== 'file' || !languageForPath(document.uri.fsPath)) {
    return { problem: `Context Gateway works on TypeScript, TSX, JavaScript and Python files saved on disk; ${vscode.workspace.asRelativePath(document.uri)} is not one.` };
  }
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  return {
    root: folder?.uri.fsPath ?? dirname(document.uri.fsPath),
    file: document.uri.fsPath,
    text: document.getText(),
    selector,
    uri: document.uri,
  };
}

export const isTargetProblem = (value: SymbolTarget | TargetProblem): value is TargetProblem => 'problem' in value;

/**
 * The symbol to work on: from the arguments, else the selection's name, else the innermost
 * function, method or class at the cursor. Undefined (with a message shown) when there is none.
 */
export async function symbolTarget(args: TargetArgs | undefined): Promise<SymbolTarget | undefined> {
  let document: vscode.TextDocument | undefined;
  let selector: Selector | undefined;
  if (args?.uri) {
    document = await vscode.workspace.openTextDocument(typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri);
    if (args.symbol) selector = { symbol: args.symbol };
    else if (args.line) selector = { line: args.line, ...(args.column ? { column: args.column } : {}) };
  } else {
    const editor = vscode.window.activeTextEditor;
    document = editor?.document;
    if (editor) selector = args?.symbol ? { symbol: args.symbol } : rangeSelector(editor.document, editor.selection, editor.selection.active);
  }
  if (!document || !selector) {
    void vscode.window.showErrorMessage(NO_EDITOR_TARGET);
    return undefined;
  }
  const target = documentTarget(document, selector);
  if (isTargetProblem(target)) {
    void vscode.window.showErrorMessage(target.problem);
    return undefined;
  }
  return target;
}
