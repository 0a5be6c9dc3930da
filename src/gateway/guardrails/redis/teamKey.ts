import { randomBytes } from 'node:crypto';

/** The environment variable the CLI and the worker read the team's queue key from. */
export const TEAM_KEY_ENV = 'CONTEXT_GATEWAY_TEAM_KEY';
/** The environment variable the CLI and the worker read the team Redis password from. */
export const REDIS_PASSWORD_ENV = 'REDIS_PASSWORD';

/** Why a text is not a team key (32 bytes as 64 hex digits or as base64), or undefined. */
export function teamKeyProblem(text: string): string | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return undefined;
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value) && Buffer.from(value, 'base64').length === 32) return undefined;
  return 'must be 32 random bytes written as 64 hex digits or 44 base64 characters (make one with "openssl rand -base64 32", or let "Set Team Key" generate it)';
}

/** The 32 key bytes of a team key text; throws what is wrong with it. */
export function parseTeamKey(text: string): Buffer {
  const problem = teamKeyProblem(text);
  if (problem) throw new Error(`The team key ${problem}.`);
  const value = text.trim();
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}

/** A new team key, as base64. */
export function newTeamKey(): string {
  return randomBytes(32).toString('base64');
}
