import * as vscode from 'vscode';
import { checkLanguages, type LanguageState } from '../context/languageCheck';
import type { Grammars } from '../context/grammars';
import type { ComponentLog } from './log';

/** What "Show Status" reports; also its return value, for tests and automation. */
export interface StatusReport {
  readonly extensionVersion: string;
  readonly vscodeVersion: string;
  readonly activationMs: number;
  readonly languages: LanguageState[];
}

export interface StatusDeps {
  /** No message, only the report (for automation). */
  readonly quiet?: boolean;
  readonly extensionVersion: string;
  readonly activationMs: () => number;
  readonly grammars: Grammars;
  readonly log: ComponentLog;
}

/** Checks every grammar (loading them on first use) and shows a one-line summary. */
export async function showStatus(deps: StatusDeps): Promise<StatusReport> {
  const languages = await checkLanguages(deps.grammars);
  const report: StatusReport = {
    extensionVersion: deps.extensionVersion,
    vscodeVersion: vscode.version,
    activationMs: deps.activationMs(),
    languages,
  };
  const ready = languages.filter((l) => l.ready).map((l) => l.label);
  const disabled = languages.filter((l) => !l.ready);
  for (const l of disabled) deps.log.error(l.detail ?? `${l.label} is disabled.`);
  deps.log.info(`status: ${ready.length}/${languages.length} languages ready; activation ${report.activationMs.toFixed(1)} ms`);
  const summary = `Context Gateway ${report.extensionVersion}: ${ready.join(', ') || 'no languages'} ready` +
    (disabled.length ? `; disabled: ${disabled.map((l) => l.label).join(', ')} (see the log)` : '') + '.';
  if (!deps.quiet) void (disabled.length ? vscode.window.showWarningMessage(summary) : vscode.window.showInformationMessage(summary));
  return report;
}
