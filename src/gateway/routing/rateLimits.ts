// The rate limits providers report with every answer, read into one shape per route, so the
// router can see a 429 coming: a request that the remaining tokens cannot hold before the reset
// goes to the next route now instead of spending a call on a refusal.
import type { HttpProviderKind } from './routes';

/** One limit's state: what is left and when it fills up again (epoch ms). */
export interface LimitBucket {
  readonly limit?: number;
  readonly remaining: number;
  readonly resetAt?: number;
}

/** What a provider said about a route's limits, when it said it. */
export interface RateLimitReading {
  readonly at: number;
  readonly requests?: LimitBucket;
  /** All tokens (OpenAI; Anthropic's most restrictive token limit in effect). */
  readonly tokens?: LimitBucket;
  readonly inputTokens?: LimitBucket;
  readonly outputTokens?: LimitBucket;
}

export type HeaderReader = (name: string) => string | undefined;

/**
 * No reset is believed further ahead than this: a gateway that writes an epoch or a day-long
 * wait must not park a route for longer (a breaker reset clears it sooner).
 */
export const MAX_RESET_MS = 3_600_000;
const EPOCH_SECONDS = 1e9;

/** A reset time, at most MAX_RESET_MS ahead. */
const resetTime = (at: number, now: number) => Math.min(at, now + MAX_RESET_MS);

const number = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

/** OpenAI's reset durations: "1s", "6m0s", "20ms", "1h2m3.5s". */
export function parseResetDuration(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let ms = 0;
  let rest = text;
  const unit = /^(\d+(?:\.\d+)?)(ms|h|m|s)/;
  for (let part = unit.exec(rest); part; part = unit.exec(rest)) {
    const n = Number(part[1]);
    ms += part[2] === 'h' ? n * 3_600_000 : part[2] === 'm' ? n * 60_000 : part[2] === 's' ? n * 1000 : n;
    rest = rest.slice(part[0].length);
  }
  return rest === '' && text !== '' ? Math.round(ms) : undefined;
}

function bucket(limit: string | undefined, remaining: string | undefined, resetAt: number | undefined): LimitBucket | undefined {
  const left = number(remaining);
  if (left === undefined) return undefined;
  const cap = number(limit);
  return { remaining: left, ...(cap !== undefined ? { limit: cap } : {}), ...(resetAt !== undefined ? { resetAt } : {}) };
}

function openAiBucket(header: HeaderReader, kind: 'requests' | 'tokens', now: number): LimitBucket | undefined {
  const raw = header(`x-ratelimit-reset-${kind}`)?.trim();
  // Some gateways write the reset as epoch seconds rather than OpenAI's duration.
  const epoch = raw && /^\d+(\.\d+)?$/.test(raw) && Number(raw) > EPOCH_SECONDS ? Number(raw) * 1000 : undefined;
  const wait = epoch === undefined ? parseResetDuration(raw) : undefined;
  const at = epoch ?? (wait !== undefined ? now + wait : undefined);
  return bucket(header(`x-ratelimit-limit-${kind}`), header(`x-ratelimit-remaining-${kind}`), at !== undefined ? resetTime(at, now) : undefined);
}

function anthropicBucket(header: HeaderReader, kind: string, now: number): LimitBucket | undefined {
  const reset = header(`anthropic-ratelimit-${kind}-reset`);
  const at = reset ? Date.parse(reset) : Number.NaN;
  return bucket(header(`anthropic-ratelimit-${kind}-limit`), header(`anthropic-ratelimit-${kind}-remaining`), Number.isFinite(at) ? resetTime(at, now) : undefined);
}

/**
 * The limits in a response's headers, or undefined when it carries none. OpenAI and most
 * OpenAI-compatible gateways send `x-ratelimit-*`; Anthropic sends `anthropic-ratelimit-*`;
 * Gemini sends none (its quota shows only in a 429's RetryInfo).
 */
export function readRateLimits(provider: HttpProviderKind, header: HeaderReader, now: number): RateLimitReading | undefined {
  let reading: Omit<RateLimitReading, 'at'>;
  if (provider === 'openai' || provider === 'openai-compatible') {
    reading = { requests: openAiBucket(header, 'requests', now), tokens: openAiBucket(header, 'tokens', now) };
  } else if (provider === 'anthropic') {
    reading = {
      requests: anthropicBucket(header, 'requests', now), tokens: anthropicBucket(header, 'tokens', now),
      inputTokens: anthropicBucket(header, 'input-tokens', now), outputTokens: anthropicBucket(header, 'output-tokens', now),
    };
  } else {
    return undefined;
  }
  const present = Object.fromEntries(Object.entries(reading).filter(([, b]) => b !== undefined));
  return Object.keys(present).length ? { at: now, ...present } : undefined;
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))} s`;

/**
 * Why a request does not fit the route's reported headroom now (undefined when it does, when the
 * route reported nothing, or when the reset has passed). Only a bucket with a reset time counts:
 * without one there is no telling when the route recovers, so it is not skipped.
 */
export function headroomShortfall(reading: RateLimitReading | undefined, need: { input: number; output: number }, now: number): string | undefined {
  if (!reading) return undefined;
  const short = (b: LimitBucket | undefined, wanted: number) => b !== undefined && b.resetAt !== undefined && b.resetAt > now && b.remaining < wanted;
  const { requests, tokens, inputTokens, outputTokens } = reading;
  if (short(requests, 1)) return `no requests left of its rate limit until the reset in ${seconds(requests!.resetAt! - now)}`;
  const total = need.input + need.output;
  if (short(tokens, total)) return `${tokens!.remaining} tokens left of its rate limit until the reset in ${seconds(tokens!.resetAt! - now)}; this request needs up to ${total} (${need.input} input + ${need.output} answer cap)`;
  if (short(inputTokens, need.input)) return `${inputTokens!.remaining} input tokens left of its rate limit until the reset in ${seconds(inputTokens!.resetAt! - now)}; this request sends ${need.input}`;
  if (short(outputTokens, need.output)) return `${outputTokens!.remaining} output tokens left of its rate limit until the reset in ${seconds(outputTokens!.resetAt! - now)}; this request's answer cap is ${need.output}`;
  return undefined;
}

/** The smallest share left of any limit that reports its size (0..1), for the low-headroom warning. */
export function lowestShare(reading: RateLimitReading): { share: number; what: string } | undefined {
  let lowest: { share: number; what: string } | undefined;
  for (const [what, b] of Object.entries({ requests: reading.requests, tokens: reading.tokens, 'input tokens': reading.inputTokens, 'output tokens': reading.outputTokens })) {
    if (!b?.limit) continue;
    const share = b.remaining / b.limit;
    if (!lowest || share < lowest.share) lowest = { share, what };
  }
  return lowest;
}

/** "1,200 of 150,000 tokens, 3 of 60 requests left; resets in 20 s": for the status bar and Show Routes. */
export function headroomSummary(reading: RateLimitReading, now: number): string {
  const parts: string[] = [];
  const resets: number[] = [];
  for (const [what, b] of [['requests', reading.requests], ['tokens', reading.tokens], ['input tokens', reading.inputTokens], ['output tokens', reading.outputTokens]] as const) {
    if (!b) continue;
    parts.push(`${b.remaining.toLocaleString('en-US')}${b.limit !== undefined ? ` of ${b.limit.toLocaleString('en-US')}` : ''} ${what}`);
    if (b.resetAt !== undefined && b.resetAt > now) resets.push(b.resetAt);
  }
  const reset = resets.length ? `; resets in ${seconds(Math.max(...resets) - now)}` : '';
  return `${parts.join(', ')} left${reset}`;
}
