import * as vscode from 'vscode';
import type { ExtractResult } from '../context/index';
import { payloadPreviewText } from './payloadText';

export const PAYLOAD_SCHEME = 'context-gateway-payload';
export const PAYLOAD_LANGUAGE = 'context-payload';

/** Read-only documents holding payload previews, in the payload language (its own grammar). */
export class PayloadDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private counter = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PAYLOAD_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '#> This preview is no longer available.';
  }

  async show(result: ExtractResult): Promise<vscode.TextDocument> {
    this.counter++;
    const uri = vscode.Uri.from({ scheme: PAYLOAD_SCHEME, path: `/${this.counter}-${result.target.symbol.replace(/[^\w.-]+/g, '-')}.cgpayload` });
    this.texts.set(uri.toString(), payloadPreviewText(result));
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== PAYLOAD_LANGUAGE) document = await vscode.languages.setTextDocumentLanguage(document, PAYLOAD_LANGUAGE);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return document;
  }

  dispose(): void {
    this.registration.dispose();
  }
}
