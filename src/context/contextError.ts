/** What went wrong in the context engine, as a stable code callers can branch on. */
export type ContextErrorCode =
  | 'unknown-symbol'
  | 'ambiguous-symbol'
  | 'denied-file'
  | 'target-over-budget'
  | 'unsupported-language'
  | 'parse-stopped'
  | 'grammar-unavailable'
  | 'unreadable-file';

/**
 * Base of every error the context engine throws on purpose. The agent turns these into tool
 * results (`toJSON()`), the CLI into one line on stderr; anything else is a bug.
 */
export abstract class ContextError extends Error {
  readonly isContextError = true;
  abstract readonly code: ContextErrorCode;

  /** The code, the message and the error's own fields, for a tool result or `--json`. */
  toJSON(): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'isContextError' && key !== 'cause' && !key.startsWith('is')) fields[key] = value;
    }
    return { code: this.code, message: this.message, ...fields };
  }
}

/** True for any context-engine error, or for one with the given code. */
export function isContextError(e: unknown, code?: ContextErrorCode): e is ContextError {
  return typeof e === 'object' && e !== null && (e as ContextError).isContextError === true && (code === undefined || (e as ContextError).code === code);
}

/** A file that exists in no readable form (missing, a directory, no permission). */
export class UnreadableFileError extends ContextError {
  readonly isUnreadableFileError = true;
  readonly code = 'unreadable-file';
  constructor(readonly file: string, reason: string) {
    super(`Cannot read ${file}: ${reason}. Check the path, or save the file first.`);
  }
}
