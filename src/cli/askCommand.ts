import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAgent, type AgentResult } from '../agent/agentLoop';
import { askRedactionLine } from '../agent/askRedaction';
import { parseLimits } from '../agent/limits';
import { parseContextSettings } from '../context/contextSettings';
import { isTaskId, parseTaskPrompts, TASK_IDS, type TaskId } from '../agent/tasks';
import { ContextEngine, encodingForModel, routeTokenCounter } from '../context/index';
import type { ChainResult } from '../gateway/chain';
import { isAllRoutesFailedError, isCancelledError } from '../gateway/routing/chainErrors';
import type { AnswerEvent, Attempt } from '../gateway/routing/events';
import type { ChatRequest } from '../gateway/ir';
import { chainConfigFromArgs, chainFromConfig, TEAM_OPTIONS } from './chainFromFile';
import { CliFailure, usageFailure } from './failure';
import type { CliContext } from './main';
import { positiveInteger, selectorFrom } from './selectorArgs';
import { findWorkspaceRoot } from '../context/workspaceRoot';
import { redactSecrets } from '../context/secrets';
import { PlainTextStream, plainText, terminalJson } from './terminalText';

/** Exit code of a request that was queued rather than answered (EX_TEMPFAIL: try again later). */
export const EXIT_QUEUED = 75;
export const EXIT_CANCELLED = 130;

const OPTIONS = {
  ...TEAM_OPTIONS,
  routes: { type: 'string' },
  'state-dir': { type: 'string' },
  prompt: { type: 'string' },
  system: { type: 'string' },
  file: { type: 'string' },
  symbol: { type: 'string' },
  line: { type: 'string' },
  column: { type: 'string' },
  task: { type: 'string' },
  instruction: { type: 'string' },
  root: { type: 'string' },
  'max-output-tokens': { type: 'string' },
  json: { type: 'boolean' },
  stream: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
} as const;

const attemptJson = (a: Attempt & { turn?: number }) => ({
  ...(a.turn ? { turn: a.turn } : {}),
  route: a.route, outcome: a.outcome, httpStatus: a.httpStatus ?? null, ms: Math.round(a.ms),
  ...(a.waitMs ? { waitMs: a.waitMs } : {}), ...(a.skipped ? { skipped: true } : {}), ...(a.message ? { message: a.message } : {}),
});

/** What `ask --json` prints for a prompt: one object, whatever happened. */
export function askJson(result: ChainResult): Record<string, unknown> {
  const attempts = result.attempts.map(attemptJson);
  if (result.status === 'queued') return { status: 'queued', queueId: result.queueId, reason: result.reason, message: result.message, attempts };
  return {
    status: 'answered', route: result.routeId, provider: result.provider, model: result.model, text: result.text, attempts,
    usage: result.response.usage ?? null, costUsd: result.costUsd ?? null, fromCache: result.fromCache,
    ...(result.continuation ? { continuation: result.continuation } : {}),
    stopReason: result.response.stopReason,
  };
}

/** What `ask --json` prints for a task on a symbol. */
export function agentJson(result: AgentResult): Record<string, unknown> {
  return {
    status: result.status,
    ...(result.queueId ? { queueId: result.queueId, message: result.queueMessage } : {}),
    ...(result.stopReason ? { stopReason: result.stopReason } : {}),
    route: result.routeId ?? null, provider: result.provider ?? null, model: result.model ?? null,
    text: result.text,
    attempts: result.attempts.map(attemptJson),
    usage: result.usage,
    costUsd: result.costUsd,
    turns: result.turns,
    toolCalls: result.toolCalls.map((c) => ({ turn: c.turn, name: c.name, arguments: c.arguments, route: c.route, ...(c.isError ? { isError: true } : {}) })),
    ...(result.proposals.length ? { proposals: result.proposals } : {}),
    redacted: {
      payload: result.extract.redacted,
      instruction: result.redacted.instruction,
      taskPrompt: result.redacted.taskPrompt,
    },
    target: { symbol: result.extract.target.symbol, file: result.extract.target.file, startLine: result.extract.target.startLine, endLine: result.extract.target.endLine },
    tokens: { payload: result.extract.tokens.payload, wholeFile: result.extract.tokens.wholeFile, context: result.contextTokens },
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
 * `ask`: a prompt, or a task on a symbol (the agent loop), through the chain. Exit 0 with an
 * answer, 75 when queued, 1 when it failed for good, 130 when interrupted.
 */
export async function askCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  if ((values.prompt === undefined) === (values.file === undefined)) throw usageFailure('ask needs either --prompt <text>, or --file <f> with --symbol <s> or --line <n>.');
  const task = values.task ?? (values.file ? 'explain' : undefined);
  if (task !== undefined && !isTaskId(task)) throw usageFailure(`--task must be one of ${TASK_IDS.join(', ')}, not "${task}".`);
  if (task !== undefined && values.prompt !== undefined) throw usageFailure('--task goes with --file; with --prompt, say what you want in the prompt.');
  const maxOutputTokens = positiveInteger(values['max-output-tokens'], '--max-output-tokens');
  // Lines on stderr carry provider and model words: printed without control sequences.
  const warn = (line: string) => ctx.err.write(`${plainText(line)}\n`);
  const { config, stateDir, raw } = await chainConfigFromArgs(values, warn);
  const { context, problems: contextProblems } = parseContextSettings(raw.context);
  for (const problem of contextProblems) warn(`${values.routes}: ${problem}`);
  const safetyFactor = context.safetyFactor;
  const countTokens = await routeTokenCounter(ctx.assetsDir, config.routes, safetyFactor);
  const services = await chainFromConfig(config, stateDir, warn, countTokens);

  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  const streaming = Boolean(values.stream && !values.json);
  const terminal = new PlainTextStream();
  const onAnswer = (event: AnswerEvent) => {
    if (event.type === 'text') return void ctx.out.write(terminal.push(event.text));
    ctx.out.write(terminal.end());
    if (event.type === 'restart') ctx.err.write(`\n[the stream was cut; the text above is void and the answer starts again on ${event.route}]\n`);
    else ctx.err.write(`\n[the stream was cut; ${event.route} continues from the text above]\n`);
  };
  try {
    if (values.file !== undefined) {
      const engine = new ContextEngine({ assetsDir: ctx.assetsDir });
      try {
        const file = resolve(values.file);
        const first = config.routes[0]!;
        const rule = encodingForModel(first.provider, first.model, safetyFactor);
        const { limits, problems } = parseLimits(raw.agent);
        for (const problem of problems) warn(`${values.routes}: ${problem}`);
        const tasks = parseTaskPrompts(raw.tasks);
        for (const problem of tasks.problems) warn(`${values.routes}: ${problem}`);
        const result = await runAgent({
          task: task as TaskId,
          ...(values.instruction ? { instruction: values.instruction } : {}),
          root: values.root ? resolve(values.root) : await findWorkspaceRoot(file),
          file,
          selector: selectorFrom(values),
          exclude: context.exclude,
          encoding: rule.encoding,
          factor: rule.factor,
          payloadMaxTokens: context.maxTokens,
          prompts: tasks.prompts,
          limits,
        }, { chain: services.chain, engine }, {
          signal: controller.signal,
          stream: Boolean(values.stream),
          ...(values['no-cache'] ? { noCache: true } : {}),
          onEvent: (e) => {
            if (e.type === 'payload') {
              const line = askRedactionLine(e.redacted);
              if (line) warn(line);
            }
            if (e.type === 'answer' && streaming) onAnswer(e.event);
            if (e.type === 'tool' && !values.json) warn(`[turn ${e.turn}: ${e.route} called ${e.name}(${JSON.stringify(e.arguments)})${e.isError ? ' -> refused' : ''}]`);
          },
        });
        if (values.json) ctx.out.write(`${terminalJson(agentJson(result))}\n`);
        else {
          ctx.out.write(`${streaming ? terminal.end() : plainText(result.text)}\n`);
          if (result.status === 'queued') warn(result.queueMessage ?? 'Queued.');
          else warn(`${result.status === 'stopped' ? `stopped: ${result.stopReason}; ` : ''}${result.turns} turn(s), ${result.toolCalls.length} tool call(s), last answer by ${result.routeId ?? '-'}, $${result.costUsd.toFixed(6)}`);
          for (const p of result.proposals) warn(`proposed edit for ${p.symbol} (${p.file}:${p.original.startLine}-${p.original.endLine}); see --json for the text`);
        }
        return result.status === 'queued' ? EXIT_QUEUED : 0;
      } finally {
        engine.dispose();
      }
    }

    // The prompt is sent, queued and labelled redacted, as a payload is.
    const prompt = redactSecrets(values.prompt!);
    const system = values.system ? redactSecrets(values.system) : undefined;
    const redactions = [...(system?.redactions ?? []), ...prompt.redactions];
    if (redactions.length) warn(`redacted ${redactions.length} secret(s) from the prompt before sending: ${[...new Set(redactions.map((r) => r.kind))].join(', ')}`);
    const request: ChatRequest = {
      ...(system ? { system: system.text } : {}),
      messages: [{ role: 'user', parts: [{ type: 'text', text: prompt.text }] }],
      ...(maxOutputTokens ? { maxOutputTokens } : {}),
    };
    const result = await services.chain.ask(request, {
      signal: controller.signal,
      stream: Boolean(values.stream),
      label: `ask: ${prompt.text.slice(0, 40)}${prompt.text.length > 40 ? '…' : ''}`,
      ...(values['no-cache'] ? { noCache: true } : {}),
      ...(streaming ? { onAnswer } : {}),
    });
    if (values.json) {
      ctx.out.write(`${terminalJson(askJson(result))}\n`);
    } else if (result.status === 'answered') {
      ctx.out.write(`${streaming ? terminal.end() : plainText(result.text)}\n`);
      warn(summary(result));
    } else {
      warn(result.message);
    }
    if (!values.json) {
      // A refused or unsendable key is the user's to fix: say which and how, once per route.
      const keyTrouble = new Map(result.attempts.filter((a) => a.outcome === 'auth' && a.message).map((a) => [a.route, a.message!]));
      for (const [route, message] of keyTrouble) warn(`Route ${route}: ${message}`);
    }
    for (const secret of new Set(result.attempts.filter((a) => a.outcome === 'no-key').map((a) => config.routes.find((r) => r.id === a.route)?.secret))) {
      if (secret) warn(`Route key missing: export ${secret}=<your key> (the CLI reads each route's key from the variable its "secret" names).`);
    }
    return result.status === 'answered' ? 0 : EXIT_QUEUED;
  } catch (e) {
    if (isCancelledError(e) || controller.signal.aborted) {
      warn('Interrupted; nothing more was sent.');
      return EXIT_CANCELLED;
    }
    if (isAllRoutesFailedError(e)) throw new CliFailure(`${e.message}\nThese failures will not pass by waiting, so the request was not queued.`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await services.dispose();
  }
}
