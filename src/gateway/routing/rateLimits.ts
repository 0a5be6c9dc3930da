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

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Where the decimal number starting at `from` ends (digits, then optionally `.` and digits), or `from` if none. */
function decimalEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === from) return from;
  if (text[i] === '.') {
    const fraction = i + 1;
    let j = fraction;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    if (j > fraction) return j;
  }
  return i;
}

/**
 * OpenAI's reset durations: "1s", "6m0s", "20ms", "1h2m3.5s"; a bare number is seconds. Read
 * by hand, without regular expressions: it is read from every answer.
 */
export function parseResetDuration(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const whole = decimalEnd(text, 0);
  if (whole === text.length) return Number(text) * 1000;
  let ms = 0;
  let at = 0;
  while (at < text.length) {
    const end = decimalEnd(text, at);
    if (end === at) return undefined;
    // "ms" before "m": "20ms" is milliseconds, not 20 minutes and an "s".
    const unit = text.startsWith('ms', end) ? 'ms' : text[end] ?? '';
    const scale = UNIT_MS[unit];
    if (scale === undefined) return undefined;
    ms += Number(text.slice(at, end)) * scale;
    at = end + unit.length;
  }
  return Math.round(ms);
}

// Built field by field, absent fields left out: read from every answer, so no spreads.
function bucket(limit: string | undefined, remaining: string | undefined, resetAt: number | undefined): LimitBucket | undefined {
  const left = number(remaining);
  if (left === undefined) return undefined;
  const cap = number(limit);
  const b: { -readonly [K in keyof LimitBucket]: LimitBucket[K] } = { remaining: left };
  if (cap !== undefined) b.limit = cap;
  if (resetAt !== undefined) b.resetAt = resetAt;
  return b;
}

/** Each bucket's header names, made once. */
const OPENAI_HEADERS = {
  requests: { limit: 'x-ratelimit-limit-requests', remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { limit: 'x-ratelimit-limit-tokens', remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' },
};
const anthropicHeaders = (kind: string) => ({ limit: `anthropic-ratelimit-${kind}-limit`, remaining: `anthropic-ratelimit-${kind}-remaining`, reset: `anthropic-ratelimit-${kind}-reset` });
const ANTHROPIC_HEADERS = {
  requests: anthropicHeaders('requests'), tokens: anthropicHeaders('tokens'),
  inputTokens: anthropicHeaders('input-tokens'), outputTokens: anthropicHeaders('output-tokens'),
};
const ANTHROPIC_BUCKETS = ['requests', 'tokens', 'inputTokens', 'outputTokens'] as const;
type BucketHeaders = typeof OPENAI_HEADERS.requests;
const DECIMAL = /^\d+(\.\d+)?$/;

function openAiBucket(header: HeaderReader, names: BucketHeaders, now: number): LimitBucket | undefined {
  const remaining = header(names.remaining);
  if (remaining === undefined) return undefined;
  const raw = header(names.reset)?.trim();
  // Some gateways write the reset as epoch seconds rather than OpenAI's duration.
  const epoch = raw && DECIMAL.test(raw) && Number(raw) > EPOCH_SECONDS ? Number(raw) * 1000 : undefined;
  const wait = epoch === undefined ? parseResetDuration(raw) : undefined;
  const at = epoch ?? (wait !== undefined ? now + wait : undefined);
  return bucket(header(names.limit), remaining, at !== undefined ? resetTime(at, now) : undefined);
}

function anthropicBucket(header: HeaderReader, names: BucketHeaders, now: number): LimitBucket | undefined {
  const remaining = header(names.remaining);
  if (remaining === undefined) return undefined;
  const reset = header(names.reset);
  const at = reset ? Date.parse(reset) : Number.NaN;
  return bucket(header(names.limit), remaining, Number.isFinite(at) ? resetTime(at, now) : undefined);
}

/**
 * The limits in a response's headers, or undefined when it carries none. OpenAI and most
 * OpenAI-compatible gateways send `x-ratelimit-*`; Anthropic sends `anthropic-ratelimit-*`;
 * Gemini sends none (its quota shows only in a 429's RetryInfo).
 */
export function readRateLimits(provider: HttpProviderKind, header: HeaderReader, now: number): RateLimitReading | undefined {
  const reading: { -readonly [K in keyof RateLimitReading]: RateLimitReading[K] } = { at: now };
  let any = false;
  if (provider === 'openai' || provider === 'openai-compatible') {
    const requests = openAiBucket(header, OPENAI_HEADERS.requests, now);
    const tokens = openAiBucket(header, OPENAI_HEADERS.tokens, now);
    if (requests) reading.requests = requests;
    if (tokens) reading.tokens = tokens;
    any = requests !== undefined || tokens !== undefined;
  } else if (provider === 'anthropic') {
    for (const key of ANTHROPIC_BUCKETS) {
      const b = anthropicBucket(header, ANTHROPIC_HEADERS[key], now);
      if (b === undefined) continue;
      reading[key] = b;
      any = true;
    }
  } else {
    return undefined;
  }
  return any ? reading : undefined;
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
  let share = Number.POSITIVE_INFINITY;
  let what = '';
  const consider = (b: LimitBucket | undefined, name: string) => {
    if (!b?.limit) return;
    const s = b.remaining / b.limit;
    if (s < share) {
      share = s;
      what = name;
    }
  };
  consider(reading.requests, 'requests');
  consider(reading.tokens, 'tokens');
  consider(reading.inputTokens, 'input tokens');
  consider(reading.outputTokens, 'output tokens');
  return what ? { share, what } : undefined;
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
