// Failures of the editor's models in the taxonomy, so the router makes the same decisions as for
// HTTP routes: a refused consent or a missing model fails over without tripping the breaker, a
// rate limit or quota behaves as a 429, a cancel stops.
import { ProviderError, type FailureKind } from '../failures';

/** What the VS Code layer knows about a thrown error: `LanguageModelError.code`, its name and message. */
export interface EditorErrorInfo {
  readonly code?: string;
  readonly name?: string;
  readonly message: string;
  /** The request's own cancellation token had fired. */
  readonly cancelled?: boolean;
}

const RATE_LIMIT = /rate[ -]?limit|too many requests|\b429\b|slow down/i;
const QUOTA = /quota|limit reached|exceeded your|out of credits|usage limit|premium requests/i;
const TOO_LONG = /context (window|length)|too long|token limit|maximum (context|input)|prompt is too large/i;
const OVERLOADED = /overload|capacity|unavailable|\b503\b/i;

function kindOf(info: EditorErrorInfo): { kind: FailureKind; why: string } {
  const message = info.message;
  switch (info.code) {
    case 'NoPermissions':
      return { kind: 'auth', why: 'Context Gateway may not use this model: its consent was declined or not given yet; allow it when VS Code asks, or remove the route' };
    case 'NotFound':
      return { kind: 'not_found', why: 'the editor no longer offers this model; check the route\'s vendor, family and model' };
    case 'Blocked':
      return QUOTA.test(message) ? { kind: 'quota_exhausted', why: 'the model\'s quota is used up' } : { kind: 'rate_limited', why: 'the model refused the request for now (blocked, rate limited)' };
  }
  if (QUOTA.test(message)) return { kind: 'quota_exhausted', why: 'the model\'s quota is used up' };
  if (RATE_LIMIT.test(message)) return { kind: 'rate_limited', why: 'the model is rate limited' };
  if (TOO_LONG.test(message)) return { kind: 'context_too_long', why: 'the payload is larger than the model accepts' };
  if (OVERLOADED.test(message)) return { kind: 'overloaded', why: 'the model is overloaded' };
  return { kind: 'server_error', why: 'the editor model failed' };
}

/** An editor model's failure, classified; cancellation is the caller's to report (undefined). */
export function editorFailure(info: EditorErrorInfo, sentAnything: boolean): ProviderError | undefined {
  if (info.cancelled || info.name === 'Canceled' || info.code === 'Canceled') return undefined;
  const { kind, why } = kindOf(info);
  const words = info.message.replace(/\s+/g, ' ').trim().slice(0, 300);
  return new ProviderError({
    kind,
    message: words ? `${why}: ${words}` : why,
    ...(info.code ? { providerCode: info.code } : {}),
    // Refused before any work: nothing can have been billed to the user's plan.
    notSent: !sentAnything && (kind === 'auth' || kind === 'not_found'),
  });
}
