import { TokenBudget, type ContextEngine, type ExtractResult, type Selector } from '../context/index';
import type { EncodingName } from '../context/tokens';
import type { AskOptions, ChainResult } from '../gateway/chain';
import type { AnswerEvent, Attempt } from '../gateway/routing/events';
import { textOf, toolCallsOf, type AssistantMessage, type ChatRequest, type Message, type ToolResultPart } from '../gateway/ir';
import { requestText } from '../gateway/routing/requestText';
import { redactAsk, type AskRedactions } from './askRedaction';
import { DEFAULT_LIMITS, type AgentLimits } from './limits';
import { firstMessage } from './firstMessage';
import { standaloneRequest } from './standaloneRequest';
import { systemPromptFor, type TaskId } from './tasks';
import { ToolRunner, type Proposal } from './toolRunner';
import { toolsFor } from './tools';

/** What the loop needs of the chain: one request at a time, answered or queued. */
export interface AgentChain {
  ask(request: ChatRequest, options: AskOptions): Promise<ChainResult>;
}

export interface AgentTask {
  readonly task: TaskId;
  /** The user's own words: the whole instruction for `custom`, extra words for the others. */
  readonly instruction?: string;
  readonly root: string;
  readonly file: string;
  /** Unsaved editor text of the file. */
  readonly text?: string;
  readonly selector: Selector;
  readonly exclude: readonly string[];
  /** How payloads are counted (the first route's model family). */
  readonly encoding: EncodingName;
  readonly factor: number;
  /** The first payload's own limit (contextGateway.context.maxTokens). */
  readonly payloadMaxTokens: number;
  readonly prompts?: Partial<Record<TaskId, string>>;
  readonly limits?: Partial<AgentLimits>;
}

export type AgentEvent =
  | { readonly type: 'payload'; readonly extract: ExtractResult; readonly redacted: AskRedactions }
  | { readonly type: 'turn'; readonly turn: number }
  | { readonly type: 'answer'; readonly turn: number; readonly event: AnswerEvent }
  | { readonly type: 'tool'; readonly turn: number; readonly name: string; readonly arguments: unknown; readonly route: string; readonly isError: boolean };

export interface AgentToolCall {
  readonly turn: number;
  readonly name: string;
  readonly arguments: unknown;
  /** The route whose model made the call. */
  readonly route: string;
  readonly isError: boolean;
}

export interface AgentResult {
  /** `stopped`: a limit ended the loop; `text` holds what was gathered and `stopReason` says which. */
  readonly status: 'answered' | 'queued' | 'stopped';
  readonly text: string;
  readonly stopReason?: string;
  readonly turns: number;
  readonly toolCalls: readonly AgentToolCall[];
  readonly proposals: readonly Proposal[];
  readonly attempts: ReadonlyArray<Attempt & { readonly turn: number }>;
  /** The route of the last answer. */
  readonly routeId?: string;
  readonly provider?: string;
  readonly model?: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  readonly costUsd: number;
  readonly queueId?: string;
  readonly queueMessage?: string;
  readonly extract: ExtractResult;
  /** Secrets taken out of the instruction and the task prompt before anything was sent (the payload's are in `extract.redacted`). */
  readonly redacted: AskRedactions;
  /** Context tokens the payload and every read took, of the budget they share. */
  readonly contextTokens: { readonly used: number; readonly limit: number };
}

/** Rough count for the loop's own token limit: the chain counts exactly per route; this only gates. */
const roughTokens = (request: ChatRequest) => Math.ceil(requestText(request).length / 3);

/**
 * Runs a task on a symbol: the pruned payload first, then as many turns as the model needs to
 * read more through the tools, each turn sent through the chain (so a failing route hands the
 * whole conversation to the next one, tool calls translated). Tools run once, after a turn's
 * answer is complete: a call from a cut stream never runs. Limits end the loop cleanly.
 */
export async function runAgent(task: AgentTask, deps: { chain: AgentChain; engine: ContextEngine }, options: { signal?: AbortSignal; stream?: boolean; noCache?: boolean; onEvent?: (e: AgentEvent) => void } = {}): Promise<AgentResult> {
  const limits: AgentLimits = { ...DEFAULT_LIMITS, ...task.limits };
  const emit = (event: AgentEvent) => options.onEvent?.(event);
  const contextBudget = new TokenBudget(limits.maxContextTokens);
  const extract = await deps.engine.extract({
    root: task.root, file: task.file, ...(task.text !== undefined ? { text: task.text } : {}), selector: task.selector,
    exclude: task.exclude, maxTokens: Math.min(task.payloadMaxTokens, limits.maxContextTokens), encoding: task.encoding, factor: task.factor,
  }, options.signal);
  contextBudget.charge(extract.tokens.payload);
  // Redacted once, here: every turn, the queued copy and any log line see only the redacted words.
  const asked = redactAsk(task.instruction, systemPromptFor(task.task, task.prompts));
  emit({ type: 'payload', extract, redacted: asked.redacted });

  const tools = new ToolRunner({
    engine: deps.engine, root: task.root, defaultFile: task.file, exclude: task.exclude,
    encoding: task.encoding, factor: task.factor, budget: contextBudget, allowEdits: task.task === 'refactor',
  });
  const system = asked.taskPrompt;
  const history: Message[] = [{ role: 'user', parts: [{ type: 'text', text: firstMessage(task.task, asked.instruction, extract) }] }];
  const label = `${task.task} ${extract.target.symbol}`;
  const toolCalls: AgentToolCall[] = [];
  const attempts: Array<Attempt & { turn: number }> = [];
  const executed = new Set<string>();
  const usage = { inputTokens: 0, outputTokens: 0 };
  let costUsd = 0;
  let last: Extract<ChainResult, { status: 'answered' }> | undefined;
  const gathered = () => history.filter((m): m is AssistantMessage => m.role === 'assistant').map(textOf).filter(Boolean).join('\n\n');
  const finish = (status: AgentResult['status'], turns: number, extra: Partial<AgentResult> = {}): AgentResult => ({
    status, text: gathered(), turns, toolCalls, proposals: tools.proposals, attempts, usage, costUsd, extract, redacted: asked.redacted,
    contextTokens: { used: contextBudget.used, limit: contextBudget.limit },
    ...(last ? { routeId: last.routeId, provider: last.provider, model: last.model } : {}),
    ...extra,
  });

  for (let turn = 1; ; turn++) {
    if (turn > limits.maxTurns) return finish('stopped', turn - 1, { stopReason: `the turn limit (${limits.maxTurns}) was reached` });
    const request: ChatRequest = { system, messages: [...history], tools: toolsFor(task.task) };
    const estimate = roughTokens(request);
    if (usage.inputTokens + usage.outputTokens + estimate > limits.maxTokens) {
      return finish('stopped', turn - 1, { stopReason: `the loop's token limit (${limits.maxTokens}) would be passed by another turn (~${estimate} tokens)` });
    }
    emit({ type: 'turn', turn });
    const result = await deps.chain.ask(request, {
      ...(options.signal ? { signal: options.signal } : {}),
      stream: options.stream ?? false,
      ...(options.noCache ? { noCache: true } : {}),
      onAnswer: (event) => emit({ type: 'answer', turn, event }),
      label,
      // A turn that cannot be sent now is queued without tools: answered later, it must stand
      // alone, since no loop will be there to run its tool calls.
      queueAs: standaloneRequest(system, history),
    });
    attempts.push(...result.attempts.map((a) => ({ ...a, turn })));
    if (result.status === 'queued') {
      return finish('queued', turn, { queueId: result.queueId, queueMessage: result.message });
    }
    last = result;
    usage.inputTokens += result.response.usage?.inputTokens ?? estimate;
    usage.outputTokens += result.response.usage?.outputTokens ?? Math.ceil(result.text.length / 3);
    costUsd += result.costUsd ?? 0;
    const message = result.response.message;
    history.push(message);
    const calls = toolCallsOf(message).filter((c) => !executed.has(c.id));
    if (calls.length === 0) return finish('answered', turn);
    // A call in an answer cut by the output cap (or a filter) may be truncated: never run it.
    if (result.response.stopReason === 'max_tokens' || result.response.stopReason === 'content_filter') {
      return finish('stopped', turn, { stopReason: `the answer was cut (${result.response.stopReason}) in the middle of a tool call; raise the route's maxOutputTokens` });
    }

    const results: ToolResultPart[] = [];
    for (const call of calls) {
      if (toolCalls.length >= limits.maxToolCalls) {
        return finish('stopped', turn, { stopReason: `the tool-call limit (${limits.maxToolCalls}) was reached` });
      }
      options.signal?.throwIfAborted();
      executed.add(call.id);
      const outcome = await tools.run(call, options.signal);
      toolCalls.push({ turn, name: call.name, arguments: call.arguments, route: result.routeId, isError: outcome.isError });
      emit({ type: 'tool', turn, name: call.name, arguments: call.arguments, route: result.routeId, isError: outcome.isError });
      results.push({ type: 'tool_result', callId: call.id, name: call.name, content: outcome.content, ...(outcome.isError ? { isError: true } : {}) });
    }
    history.push({ role: 'user', parts: results });
  }
}
