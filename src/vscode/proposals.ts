import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Proposal } from '../agent/toolRunner';

export const PROPOSAL_SCHEME = 'context-gateway-proposal';

interface Pending {
  readonly proposal: Proposal;
  readonly fileUri: vscode.Uri;
  readonly proposedUri: vscode.Uri;
}

/** Where the proposal's original text stands in the document now; undefined when it changed. */
function locate(document: vscode.TextDocument, proposal: Proposal): vscode.Range | undefined {
  const lineStart = Math.max(0, proposal.original.startLine - 1);
  if (lineStart >= document.lineCount) return undefined;
  const text = document.getText();
  const from = document.offsetAt(new vscode.Position(lineStart, 0));
  const at = text.indexOf(proposal.original.text, from);
  // The declaration starts on its first line (after indentation), or it has moved: refuse.
  if (at < 0 || document.positionAt(at).line !== lineStart) return undefined;
  return new vscode.Range(document.positionAt(at), document.positionAt(at + proposal.original.text.length));
}

/**
 * Refactor proposals: each opens as a diff (the file against the file with the proposal in
 * place); nothing is written until the user applies it, and only if the code it replaces has
 * not changed meanwhile.
 */
export class Proposals implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly pending = new Map<string, Pending>();
  private readonly texts = new Map<string, string>();
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Shows the diff and asks; resolves to the proposal's id (its fate is decided later). */
  async offer(proposal: Proposal, root: string, ask = true): Promise<string> {
    const fileUri = vscode.Uri.file(join(root, proposal.file));
    const document = await vscode.workspace.openTextDocument(fileUri);
    const range = locate(document, proposal);
    if (!range) throw new Error(`${proposal.file} changed since the proposal for ${proposal.symbol} was made; run the task again.`);
    const id = randomBytes(4).toString('hex');
    const proposedUri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${id}/${proposal.file}` });
    const text = document.getText();
    this.texts.set(proposedUri.toString(), text.slice(0, document.offsetAt(range.start)) + proposal.newText + text.slice(document.offsetAt(range.end)));
    this.pending.set(id, { proposal, fileUri, proposedUri });
    await vscode.commands.executeCommand('vscode.diff', fileUri, proposedUri, `${proposal.symbol}: proposed edit (${proposal.file})`, { preview: true });
    if (ask) {
      void vscode.window.showInformationMessage(`Apply the proposed edit to ${proposal.symbol} (${proposal.file})? Nothing is written unless you apply it.`, 'Apply', 'Discard')
        .then((pick) => (pick === 'Apply' ? this.apply(id) : pick === 'Discard' ? this.discard(id) : undefined));
    }
    return id;
  }

  /** Writes the proposal into the file (as an edit the user can undo and must save). */
  async apply(id: string): Promise<boolean> {
    const entry = this.pending.get(id);
    if (!entry) return false;
    const document = await vscode.workspace.openTextDocument(entry.fileUri);
    const range = locate(document, entry.proposal);
    if (!range) {
      void vscode.window.showErrorMessage(`${entry.proposal.file} changed since the proposal for ${entry.proposal.symbol} was made; it was not applied.`);
      this.discard(id);
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(entry.fileUri, range, entry.proposal.newText);
    const applied = await vscode.workspace.applyEdit(edit);
    this.discard(id);
    return applied;
  }

  discard(id: string): boolean {
    const entry = this.pending.get(id);
    if (entry) this.texts.delete(entry.proposedUri.toString());
    return this.pending.delete(id);
  }

  dispose(): void {
    this.registration.dispose();
    this.pending.clear();
    this.texts.clear();
  }
}
