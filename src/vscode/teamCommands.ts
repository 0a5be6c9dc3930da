import * as vscode from 'vscode';
import { newTeamKey, teamKeyProblem } from '../gateway/guardrails/redis/teamKey';

/** Where the team's secrets live in SecretStorage: never in settings. */
export const TEAM_SECRETS = {
  redisPassword: 'contextGateway.team.redisPassword',
  queueKey: 'contextGateway.team.queueKey',
} as const;

/** Arguments for scripted use (tests, other tools); without them the user is asked. */
export interface TeamSecretArgs {
  readonly value?: string;
  /** For the team key: make a new one instead of asking for the team's. */
  readonly generate?: boolean;
}

/** Set Team Redis Password…: the password of the team's Redis, in secret storage only. */
export async function setTeamRedisPassword(secrets: vscode.SecretStorage, args?: TeamSecretArgs): Promise<boolean> {
  const value = args?.value ?? (await vscode.window.showInputBox({
    title: 'Context Gateway: team Redis password',
    prompt: 'The password (or ACL user\'s password) of contextGateway.team.redisUrl. Stored in VS Code\'s secret storage; never in settings or logs.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (/[\r\n]/.test(v) ? 'The password holds a line break: paste it again without it.' : undefined),
  }));
  if (!value) return false;
  await secrets.store(TEAM_SECRETS.redisPassword, value);
  if (!args?.value) void vscode.window.showInformationMessage('Context Gateway: the team Redis password is stored in VS Code\'s secret storage.');
  return true;
}

/**
 * Set Team Key…: the key that encrypts the team's queued requests and answers in Redis. Every
 * member needs the same one: paste the team's, or generate the first and share it the way the
 * team shares other secrets (a password manager), never through the repository.
 */
export async function setTeamKey(secrets: vscode.SecretStorage, args?: TeamSecretArgs): Promise<boolean> {
  let value = args?.value;
  let generated = args?.generate === true;
  if (value === undefined && !generated) {
    const pick = await vscode.window.showQuickPick([
      { label: 'Paste the team\'s key', id: 'paste' },
      { label: 'Generate a new key', description: 'for the first member of the team', id: 'generate' },
    ], { title: 'Context Gateway: team key (encrypts queued requests in Redis)' });
    if (!pick) return false;
    generated = pick.id === 'generate';
    if (!generated) {
      value = await vscode.window.showInputBox({
        title: 'Context Gateway: the team\'s key',
        prompt: '32 bytes as base64 or hex, as the team shares it. Stored in VS Code\'s secret storage.',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (teamKeyProblem(v) ? `The key ${teamKeyProblem(v)}.` : undefined),
      });
    }
  }
  if (generated) value = newTeamKey();
  if (!value) return false;
  const problem = teamKeyProblem(value);
  if (problem) {
    void vscode.window.showErrorMessage(`Context Gateway: the team key ${problem}.`);
    return false;
  }
  await secrets.store(TEAM_SECRETS.queueKey, value.trim());
  if (generated && !args?.generate) {
    const copy = await vscode.window.showInformationMessage('Context Gateway: a new team key is stored. Every member of the team needs the same key: copy it now and share it through your password manager.', 'Copy Key');
    if (copy) await vscode.env.clipboard.writeText(value);
  } else if (!args) {
    void vscode.window.showInformationMessage('Context Gateway: the team key is stored in VS Code\'s secret storage.');
  }
  return true;
}
