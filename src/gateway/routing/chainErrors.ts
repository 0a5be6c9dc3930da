import type { Attempt } from './events';

function describeAttempt(a: Attempt): string {
  const status = a.httpStatus ? ` HTTP ${a.httpStatus}` : '';
  const wait = a.waitMs ? ` after waiting ${a.waitMs} ms` : '';
  return `  - ${a.route} (${a.tier}, ${a.provider} ${a.model}): ${a.outcome}${status}${a.skipped ? ', not sent' : ` in ${Math.round(a.ms)} ms`}${wait}${a.message ? `: ${a.message}` : ''}`;
}

/** Every route failed or was skipped; the attempts say what happened on each. */
export class AllRoutesFailedError extends Error {
  readonly isAllRoutesFailedError = true;
  constructor(readonly attempts: readonly Attempt[]) {
    super(attempts.length
      ? `All routes failed:\n${attempts.map(describeAttempt).join('\n')}`
      : 'No route is configured: add one to contextGateway.routes (or the routes file).');
    this.name = 'AllRoutesFailedError';
  }
}

export function isAllRoutesFailedError(e: unknown): e is AllRoutesFailedError {
  return typeof e === 'object' && e !== null && (e as AllRoutesFailedError).isAllRoutesFailedError === true;
}

/** The caller cancelled; nothing more is sent. */
export class CancelledError extends Error {
  readonly isCancelledError = true;
  constructor(readonly attempts: readonly Attempt[]) {
    super('Cancelled.');
    this.name = 'CancelledError';
  }
}

export function isCancelledError(e: unknown): e is CancelledError {
  return typeof e === 'object' && e !== null && (e as CancelledError).isCancelledError === true;
}
