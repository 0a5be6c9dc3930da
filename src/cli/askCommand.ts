import { parseArgs } from 'node:util';
import type { ChainResult } from '../gateway/chain';
import { isAllRoutesFailedError, isCancelledError } from '../gateway/chainErrors';
import type { AnswerEvent, Attempt } from '../gateway/events';
import type { ChatRequest } from '../gateway/ir';
import { chainFromArgs } from './chainFromFile';
import { CliFailure, usageFailure } from './failure';
import type { CliContext } from './main';

/** Exit code of a request that was queued rather than answered (EX_TEMPFAIL: try again later). */
export const EXIT_QUEUED = 75;
export const EXIT_CANCELLED = 130;

const OPTIONS = {
  routes: { type: 'string' },
  'state-dir': { type: 'string' },
  prompt: { type: 'string' },
  system: { type: 'string' },
  'max-output-tokens': { type: 'string' },
  json: { type: 'boolean' },
  stream: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
} as const;

/** What `ask --json` prints: one object, whatever happened. */
export function askJson(result: ChainResult): Record<string, unknown> {
  const attempts = result.attempts.map((a: Attempt) => ({
    route: a.route, outcome: a.outcome, httpStatus: a.httpStatus ?? null, ms: Math.round(a.ms),
    ...(a.waitMs ? { waitMs: a.waitMs } : {}), ...(a.skipped ? { skipped: true } : {}), ...(a.message ? { message: a.message } : {}),
  }));
  if (result.status === 'queued') {
    return { status: 'queued', queueId: result.queueId, reason: result.reason, message: result.message, attempts };
  }
  return {
    status: 'answered',
    route: result.routeId,
    provider: result.provider,
    model: result.model,
    text: result.text,
    attempts,
    usage: result.response.usage ?? null,
    costUsd: result.costUsd ?? null,
    fromCache: result.fromCache,
    ...(result.continuation ? { continuation: result.continuation } : {}),
    stopReason: result.response.stopReason,
  };
}

/** A one-line account of an answer for stderr. */
function summary(result: Extract<ChainResult, { status: 'answered' }>): string {
  if (result.fromCache) return `answered from the cache (${Math.round((result.cacheAgeMs ?? 0) / 1000)} s old; no call made)`;
  const tried = result.attempts.filter((a) => !a.skipped).length;
  const cost = result.costUsd !== undefined ? `, $${result.costUsd.toFixed(6)}` : '';
  return `answered by ${result.routeId} (${result.provider} ${result.model}) after ${tried} attempt(s)${cost}` +
    (result.continuation ? `; the stream was cut and ${result.continuation === 'prefill' ? 'continued' : 'restarted'} on another route` : '');
}

/**
 * `ask`: sends a prompt through the chain. Exit 0 with an answer, 75 when queued, 1 when it
 * failed for good, 130 when interrupted.
 */
export async function askCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.prompt === undefined) throw usageFailure('ask needs --prompt <text>.');
  const maxOutputTokens = values['max-output-tokens'] === undefined ? undefined : Number(values['max-output-tokens']);
  if (maxOutputTokens !== undefined && !(Number.isInteger(maxOutputTokens) && maxOutputTokens > 0)) throw usageFailure('--max-output-tokens must be a whole number above 0.');
  const request: ChatRequest = {
    ...(values.system ? { system: values.system } : {}),
    messages: [{ role: 'user', parts: [{ type: 'text', text: values.prompt }] }],
    ...(maxOutputTokens ? { maxOutputTokens } : {}),
  };
  const services = await chainFromArgs(values, (line) => ctx.err.write(`${line}\n`));
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  const onAnswer = (event: AnswerEvent) => {
    if (event.type === 'text') ctx.out.write(event.text);
    else if (event.type === 'restart') ctx.err.write(`\n[the stream was cut; the text above is void and the answer starts again on ${event.route}]\n`);
    else ctx.err.write(`\n[the stream was cut; ${event.route} continues from the text above]\n`);
  };
  const streaming = Boolean(values.stream && !values.json);
  try {
    const result = await services.chain.ask(request, {
      signal: controller.signal,
      stream: Boolean(values.stream),
      label: `ask: ${values.prompt.slice(0, 40)}${values.prompt.length > 40 ? '…' : ''}`,
      ...(values['no-cache'] ? { noCache: true } : {}),
      ...(streaming ? { onAnswer } : {}),
    });
    if (values.json) {
      ctx.out.write(`${JSON.stringify(askJson(result), null, 2)}\n`);
    } else if (result.status === 'answered') {
      if (!streaming) ctx.out.write(result.text);
      ctx.out.write('\n');
      ctx.err.write(`${summary(result)}\n`);
    } else {
      ctx.err.write(`${result.message}\n`);
    }
    for (const secret of new Set(result.attempts.filter((a) => a.outcome === 'no-key').map((a) => services.config.routes.find((r) => r.id === a.route)?.secret))) {
      if (secret) ctx.err.write(`Route key missing: export ${secret}=<your key> (the CLI reads each route's key from the variable its "secret" names).\n`);
    }
    return result.status === 'answered' ? 0 : EXIT_QUEUED;
  } catch (e) {
    if (isCancelledError(e)) {
      ctx.err.write('Interrupted; nothing more was sent.\n');
      return EXIT_CANCELLED;
    }
    if (isAllRoutesFailedError(e)) throw new CliFailure(`${e.message}\nThese failures will not pass by waiting, so the request was not queued.`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await services.dispose();
  }
}
