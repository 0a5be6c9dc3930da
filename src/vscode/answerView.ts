import * as vscode from 'vscode';

export const ANSWER_SCHEME = 'context-gateway-answer';

/**
 * Answers as read-only Markdown documents, shown in VS Code's Markdown preview (themed, code
 * blocks highlighted). A streamed answer updates its document as text arrives.
 */
export class AnswerDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;
  private readonly opened: vscode.Disposable;
  private readonly closed: vscode.Disposable;
  private counter = 0;
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(ANSWER_SCHEME, this);
    // A change fired before this extension host knew the document was open is dropped; when the
    // document arrives holding older text, fire again so the preview reads the current answer.
    this.opened = vscode.workspace.onDidOpenTextDocument((document) => {
      if (document.uri.scheme !== ANSWER_SCHEME) return;
      const current = this.texts.get(document.uri.toString());
      if (current !== undefined && current !== document.getText()) this.changed.fire(document.uri);
    });
    // An answer nobody shows any more is not kept for the whole session.
    this.closed = vscode.workspace.onDidCloseTextDocument((document) => {
      if (document.uri.scheme === ANSWER_SCHEME && !this.pending.has(document.uri.toString())) this.texts.delete(document.uri.toString());
    });
  }

  /** A new answer document; the name shows in the preview's tab. */
  create(title: string): vscode.Uri {
    this.counter++;
    const safe = title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'answer';
    const uri = vscode.Uri.from({ scheme: ANSWER_SCHEME, path: `/${this.counter}-${safe}.md` });
    this.texts.set(uri.toString(), '');
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '_This answer is no longer available._';
  }

  /** Replaces a document's text; while streaming, updates are batched to one per 100 ms. */
  set(uri: vscode.Uri, text: string, now = false): void {
    this.texts.set(uri.toString(), text);
    const key = uri.toString();
    if (now) {
      clearTimeout(this.pending.get(key));
      this.pending.delete(key);
      this.changed.fire(uri);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      this.changed.fire(uri);
    }, 100));
  }

  text(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Opens the rendered answer beside the editor. */
  async show(uri: vscode.Uri): Promise<void> {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.registration.dispose();
    this.opened.dispose();
    this.closed.dispose();
    this.changed.dispose();
  }
}
