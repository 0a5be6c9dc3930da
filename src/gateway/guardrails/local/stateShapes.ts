// Hand checks of what is read back from state files. A file may have been edited by hand, cut
// short by a full disk or written by another version: each check says what is wrong, in a few
// words, or undefined when the value has the shape the code relies on.

import type { QueueReason } from '../coldQueue';
import { MAX_OUTPUT_TOKENS } from '../../routing/routes';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown): boolean => isString(v) && Number.isFinite(Date.parse(v));

/** The ids the cold queue gives: `q-<time in base 36>-<8 hex digits>`; nothing else is a queue id. */
export const QUEUE_ID = /^q-[a-z0-9]{1,12}-[0-9a-f]{8}$/;

// A record, not a list: a reason added to QueueReason without being added here fails to compile.
const QUEUE_REASON_SET: Record<QueueReason, true> = {
  'all-routes-failed': true, 'over-budget': true, 'budget-invalid': true, 'manual-pause': true, 'budget-paused': true, 'budget-exhausted': true,
};
const QUEUE_REASONS: readonly string[] = Object.keys(QUEUE_REASON_SET);

/** What is wrong with one message part, or undefined. */
function partProblem(part: unknown): string | undefined {
  if (!isObject(part)) return 'is not an object';
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return isString(part.text) ? undefined : '"text" is not a string';
    case 'tool_call':
      return isString(part.id) && isString(part.name) && isObject(part.arguments) ? undefined : 'needs "id", "name" and "arguments"';
    case 'tool_result':
      return isString(part.callId) && isString(part.name) && isString(part.content) ? undefined : 'needs "callId", "name" and "content"';
    default:
      return `has unknown type ${JSON.stringify(part.type)}`;
  }
}

/** What is wrong with a list of messages in the intermediate representation, or undefined. */
function messageProblem(message: unknown, where: string): string | undefined {
  if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) return `${where} is not a user or assistant message`;
  if (!Array.isArray(message.parts)) return `${where} has no "parts" list`;
  for (const [i, part] of message.parts.entries()) {
    const problem = partProblem(part);
    if (problem) return `${where}.parts[${i}] ${problem}`;
  }
  return undefined;
}

/** What is wrong with a saved chat request, or undefined. */
function requestProblem(request: unknown): string | undefined {
  if (!isObject(request)) return '"request" is missing or not an object';
  if (!Array.isArray(request.messages) || request.messages.length === 0) return '"request.messages" is missing or empty';
  for (const [i, message] of request.messages.entries()) {
    const problem = messageProblem(message, `"request.messages[${i}]"`);
    if (problem) return problem;
  }
  if (request.system !== undefined && !isString(request.system)) return '"request.system" is not a string';
  if (request.tools !== undefined && !Array.isArray(request.tools)) return '"request.tools" is not a list';
  // Bounded as a route's own limit is: a value no route accepts would make the request's worst-case
  // cost unbounded, so it would wait forever for a route that fits the money budget.
  const max = request.maxOutputTokens;
  if (max !== undefined && !(isCount(max) && max > 0 && max <= MAX_OUTPUT_TOKENS)) {
    return `"request.maxOutputTokens" is ${typeof max === 'number' ? String(max) : JSON.stringify(max)}, not a whole number from 1 to ${MAX_OUTPUT_TOKENS}`;
  }
  if (request.temperature !== undefined && !(typeof request.temperature === 'number' && Number.isFinite(request.temperature))) return '"request.temperature" is not a number';
  return undefined;
}

/** What is wrong with a queue entry read from `file` (`<seq>-<id>.json`), or undefined. */
export function queuedRequestProblem(value: unknown, file: { seq: number; id: string }): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (value.id !== file.id) return `"id" is ${JSON.stringify(value.id)}, not ${file.id} as the file name says`;
  if (value.seq !== file.seq) return `"seq" is ${JSON.stringify(value.seq)}, not ${file.seq} as the file name says`;
  if (!isTime(value.createdAt)) return '"createdAt" is not a date';
  if (!QUEUE_REASONS.includes(value.reason as string)) return `"reason" is ${JSON.stringify(value.reason)}, not one the queue gives`;
  if (!isString(value.idempotencyKey) || !value.idempotencyKey) return '"idempotencyKey" is missing';
  if (value.requestKey !== undefined && !isString(value.requestKey)) return '"requestKey" is not a string';
  if (!isString(value.label)) return '"label" is not a string';
  if (!Array.isArray(value.attempts)) return '"attempts" is not a list';
  return requestProblem(value.request);
}

/** What is wrong with a chat response, or undefined. */
function responseProblem(response: unknown): string | undefined {
  if (!isObject(response)) return '"response" is missing or not an object';
  const message = messageProblem(response.message, '"response.message"');
  if (message) return message;
  if ((response.message as Json).role !== 'assistant') return '"response.message" is not an assistant message';
  return isString(response.stopReason) ? undefined : '"response.stopReason" is not a string';
}

/** What is wrong with a stored answer to the queue entry `id`, or undefined. */
export function storedAnswerProblem(value: unknown, id: string): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (value.id !== id) return `"id" is ${JSON.stringify(value.id)}, not ${id} as the file name says`;
  for (const field of ['label', 'answeredAt', 'route', 'provider', 'model']) if (!isString(value[field])) return `"${field}" is not a string`;
  if (value.costUsd !== undefined && !(typeof value.costUsd === 'number' && Number.isFinite(value.costUsd) && value.costUsd >= 0)) return '"costUsd" is not an amount';
  return responseProblem(value.response);
}

/** True for one entry of the answer cache as it saves them. */
export function isCacheEntry(value: unknown): boolean {
  if (!isObject(value) || !isString(value.key) || !(typeof value.storedAt === 'number' && Number.isFinite(value.storedAt))) return false;
  const answer = value.answer;
  if (!isObject(answer) || !isString(answer.routeId) || !isString(answer.provider) || !isString(answer.model)) return false;
  if (answer.costUsd !== undefined && !(typeof answer.costUsd === 'number' && Number.isFinite(answer.costUsd) && answer.costUsd >= 0)) return false;
  return responseProblem(answer.response) === undefined;
}

/**
 * Breaker states as cockatiel saves them: closed (0) or open (1, since `openedAt`, after
 * `attemptNo` openings), with a failure count. Bounded, because restoring walks the backoff once
 * per opening, and an opening in the future would keep the breaker open for good.
 */
export function isBreakerState(value: unknown, now: number): boolean {
  if (!isObject(value) || !isObject(value.ownState) || !isCount(value.breakerState)) return false;
  const own = value.ownState;
  if (own.value === 0) return true;
  if (own.value !== 1) return false;
  return isCount(own.openedAt) && own.openedAt <= now && isCount(own.attemptNo) && own.attemptNo <= 10_000;
}
