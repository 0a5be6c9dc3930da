// The failover drill: every configured route exercised the way an outage would need it, on a
// quiet day, with tiny requests. Each route answers, streams, reports usage and makes a tool call;
// a tool conversation started on each route continues on every other one; each hot route's
// outage is simulated (disabled for the drill's own router) to see who takes over. The drill's
// routers are its own: the user's breakers are never touched; its calls are held and charged
// in the user's ledger like any other.
import type { EditorModels } from '../routing/editor/editorModel';
import type { ProviderAdapter } from '../routing/adapters/adapter';
import { isAllRoutesFailedError } from '../routing/chainErrors';
import type { AttemptOutcome } from '../routing/events';
import { textOf, toolCallsOf, type ChatRequest, type ChatResponse, type Message, type ToolDefinition } from '../ir';
import type { PolicyConfig } from '../routing/policyConfig';
import { costUsd, priceOf } from '../routing/prices';
import { Router, type RouterAnswer } from '../routing/router';
import { isEditorRoute, type HttpProviderKind, type Route } from '../routing/routes';
import type { SpendGuard } from '../guardrails/spendGuard';
import type { Transport } from '../routing/transport';
import { adviceFor } from './drillAdvice';

export type DrillStatus = 'pass' | 'fail' | 'skipped';

/** One route x check of the drill's table. `detail` quotes the provider on a failure. */
export interface DrillCell {
  readonly route: string;
  readonly check: string;
  readonly status: DrillStatus;
  readonly detail: string;
  /** What to change, for a failure. */
  readonly fix?: string;
}

export interface DrillReport {
  readonly routes: readonly string[];
  readonly checks: readonly string[];
  readonly cells: readonly DrillCell[];
  readonly ms: number;
  readonly costUsd: number;
  readonly calls: number;
  /** Stopped by the user: the checks not reached are not in the table. */
  readonly cancelled?: boolean;
}

export interface DrillOptions {
  readonly routes: readonly Route[];
  readonly policy: PolicyConfig;
  readonly adapterFor: (kind: HttpProviderKind) => ProviderAdapter;
  readonly keyFor: (route: Route) => Promise<string | undefined>;
  /** The user's ledger: every drill call is held and charged there. */
  readonly spend?: SpendGuard;
  readonly editorModels?: EditorModels;
  readonly transport?: Transport;
  /** The budget simulation, on a throwaway chain (see drillBudget); its cell and cost. */
  readonly budget?: () => Promise<{ cell: DrillCell; costUsd: number; calls: number }>;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export const ROUTE_CHECKS = ['key', 'answer', 'stream', 'usage', 'tools'] as const;
const MAX_OUTPUT = 64;
/** Input tokens a drill call is estimated at, at most (the tool turn with its history is the largest). */
const ESTIMATED_INPUT = 400;

export const DRILL_TOOL: ToolDefinition = {
  name: 'drill_echo',
  description: 'Returns the value it is given. Used by a connectivity drill.',
  parameters: { type: 'object', properties: { value: { type: 'string', description: 'The value to echo.' } }, required: ['value'] },
};

const ONE_LINER: ChatRequest = {
  system: 'You are being checked by a connectivity drill. Answer in one short line.',
  messages: [{ role: 'user', parts: [{ type: 'text', text: 'Reply with the single word: ready' }] }],
  maxOutputTokens: 16,
};
const TOOL_ASK: ChatRequest = {
  system: 'You are being checked by a connectivity drill. Use the tool when asked.',
  messages: [{ role: 'user', parts: [{ type: 'text', text: 'Call the drill_echo tool with the value "42". Do not answer in text first.' }] }],
  tools: [DRILL_TOOL],
  maxOutputTokens: MAX_OUTPUT,
};

/**
 * How many calls the drill makes at most, and what they can cost at most: each call at its
 * input estimate and answer cap, any outage or the budget step priced as if it landed on the
 * dearest route it could. Unpriced routes are named (their calls are not in the figure).
 */
export function drillEstimate(routes: readonly Route[], budgetStep: boolean): { calls: number; maxUsd: number; unpriced: string[] } {
  const n = routes.length;
  const hot = routes.filter((r) => r.tier === 'hot').length;
  const extra = hot + (budgetStep ? 1 : 0);
  let maxUsd = 0;
  const unpriced: string[] = [];
  for (const route of routes) {
    const price = priceOf(route);
    // Its own four (answer, stream, two tool turns) and the continuations it receives.
    if (price) maxUsd += (4 + (n - 1)) * costUsd(price, ESTIMATED_INPUT, MAX_OUTPUT);
    else unpriced.push(route.id);
  }
  const dearest = Math.max(0, ...routes.map((r) => {
    const price = priceOf(r);
    return price ? costUsd(price, ESTIMATED_INPUT, MAX_OUTPUT) : 0;
  }));
  return { calls: n * 4 + n * (n - 1) + extra, maxUsd: maxUsd + extra * dearest, unpriced };
}

const trimmed = (text: string, n = 80) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

/** A failed send as a cell: the last attempt's outcome and the provider's words. */
function failure(route: Route, check: string, e: unknown): DrillCell {
  if (isAllRoutesFailedError(e)) {
    const last = e.attempts.at(-1);
    const outcome: AttemptOutcome = last?.outcome ?? 'server_error';
    return { route: route.id, check, status: 'fail', detail: `${outcome}${last?.httpStatus ? ` (HTTP ${last.httpStatus})` : ''}: ${trimmed(last?.message ?? 'no answer', 160)}`, fix: adviceFor(outcome, route) };
  }
  return { route: route.id, check, status: 'fail', detail: trimmed(e instanceof Error ? e.message : String(e), 160), fix: adviceFor('other', route) };
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const started = performance.now();
  const cells: DrillCell[] = [];
  let spent = 0;
  let calls = 0;
  const progress = options.onProgress ?? (() => {});
  // Breakers of their own, never saved; no retries, so a failure shows on its first try.
  const policy: PolicyConfig = { ...options.policy, retries: 0, breakerThreshold: 1_000 };
  const routerFor = (routes: readonly Route[]) => new Router({
    routes, policy, adapterFor: options.adapterFor, keyFor: options.keyFor,
    ...(options.spend ? { spend: options.spend } : {}), ...(options.transport ? { transport: options.transport } : {}),
    ...(options.editorModels ? { editorModels: options.editorModels } : {}),
  });
  const send = async (router: Router, request: ChatRequest, stream = false, onText?: () => void): Promise<RouterAnswer> => {
    if (options.signal?.aborted) throw new Error('the drill was cancelled');
    calls++;
    const answer = await router.send(request, { stream, ...(options.signal ? { signal: options.signal } : {}), ...(onText ? { onAnswer: (e) => e.type === 'text' && onText() } : {}) });
    spent += answer.costUsd ?? 0;
    return answer;
  };

  /** The conversation each route started, up to its tool result, for the others to continue. */
  const conversations: Array<{ route: Route; history: Message[] }> = [];
  const usable = new Set<string>();
  const stopped = () => options.signal?.aborted === true;
  for (const route of options.routes) {
    if (stopped()) break;
    const router = routerFor([route]);
    const first = cells.length;
    const cell = (check: string, status: DrillStatus, detail: string, fix?: string) => cells.push({ route: route.id, check, status, detail, ...(fix ? { fix } : {}) });
    const skipRest = (from: number, why: string) => ROUTE_CHECKS.slice(from).forEach((c) => cell(c, 'skipped', why));
    try {
      if (isEditorRoute(route) && !options.editorModels) {
        skipRest(0, 'editor models are drilled from VS Code (Context Gateway: Run Failover Drill)');
        continue;
      }
      progress(`${route.id}: key, answer, stream, usage, tools`);
      if (route.secret && (await options.keyFor(route)) === undefined) {
        cell('key', 'fail', `no key stored under "${route.secret}"`, adviceFor('no-key', route));
        skipRest(1, 'no key');
        continue;
      }
      cell('key', 'pass', route.provider === 'vscode-lm' ? 'no key needed (editor model)' : route.secret ? 'present' : 'none needed');
      let answer: RouterAnswer;
      try {
        answer = await send(router, ONE_LINER);
      } catch (e) {
        const failed = failure(route, 'answer', e);
        cells.push(failed);
        skipRest(2, 'the route did not answer');
        continue;
      }
      usable.add(route.id);
      cell('answer', 'pass', `"${trimmed(textOf(answer.response.message), 40)}" from ${answer.response.model ?? route.model}`);
      try {
        let chunks = 0;
        const streamed = await send(router, ONE_LINER, true, () => chunks++);
        if (chunks > 0 && textOf(streamed.response.message).trim()) cell('stream', 'pass', `${chunks} chunk(s), ended by its end marker`);
        else cell('stream', 'fail', 'the stream carried no text', adviceFor('truncated_stream', route));
      } catch (e) {
        cells.push(failure(route, 'stream', e));
      }
      const usage = answer.response.usage;
      if (usage && usage.inputTokens > 0 && usage.outputTokens > 0) cell('usage', 'pass', `${usage.inputTokens} in, ${usage.outputTokens} out`);
      else cell('usage', 'fail', 'no token usage in the answer', adviceFor('no-usage', route));
      await drillTools(route, router, send, cell, conversations);
    } finally {
      await router.dispose();
      // A route cut short by the cancel is left out whole: its half-done checks prove nothing.
      if (stopped()) {
        const mine = cells.slice(first);
        if (mine.length < ROUTE_CHECKS.length || mine.some((c) => /cancel/i.test(c.detail))) cells.length = first;
        if (conversations.at(-1)?.route === route && cells.length === first) conversations.pop();
      }
    }
  }

  // Each conversation continues on every other route, with its history translated.
  for (const { route: from, history } of conversations) {
    for (const to of options.routes) {
      if (stopped()) break;
      if (to.id === from.id) continue;
      const check = `from ${from.id}`;
      if (!usable.has(to.id)) {
        cells.push({ route: to.id, check, status: 'skipped', detail: 'the route did not answer' });
        continue;
      }
      progress(`${to.id}: continuing ${from.id}'s tool conversation`);
      const router = routerFor([to]);
      try {
        const answer = await send(router, { ...TOOL_ASK, messages: history });
        cells.push({ route: to.id, check, status: 'pass', detail: `accepted the history and answered: "${trimmed(textOf(answer.response.message), 40)}"` });
      } catch (e) {
        if (stopped()) break;
        const failed = failure(to, check, e);
        cells.push({ ...failed, detail: `history rejected: ${failed.detail}` });
      } finally {
        await router.dispose();
      }
    }
  }

  // Each hot route down: who takes over.
  for (const down of options.routes.filter((r) => r.tier === 'hot')) {
    if (stopped()) break;
    progress(`outage of ${down.id}: who takes over`);
    const router = routerFor(options.routes);
    router.setDisabled(down.id, true);
    try {
      const answer = await send(router, ONE_LINER);
      cells.push({ route: down.id, check: 'outage', status: 'pass', detail: `${answer.route.id} (${answer.route.tier}) took over` });
    } catch (e) {
      if (stopped()) break;
      cells.push({ ...failure(down, 'outage', e), detail: 'no other route answered: the chain would go cold (requests queued)', fix: 'add a warm route of another provider' });
    } finally {
      await router.dispose();
    }
  }

  if (options.budget && !stopped()) {
    progress('budget: a simulated pause at the threshold, then resume');
    // A step that cannot even start (no temporary folder) is a finding, not the loss of the report.
    const budget = await options.budget().catch((e: unknown) => ({
      cell: { route: 'chain', check: 'budget', status: 'fail' as const, detail: `the check could not run: ${trimmed(e instanceof Error ? e.message : String(e), 160)}` },
      costUsd: 0, calls: 0,
    }));
    cells.push(budget.cell);
    spent += budget.costUsd;
    calls += budget.calls;
  }

  const checks = [...ROUTE_CHECKS, ...conversations.map((s) => `from ${s.route.id}`), 'outage', ...(options.budget ? ['budget'] : [])];
  // A check cut short by the cancel is not a finding about the route.
  const kept = stopped() ? cells.filter((c) => !/cancel/i.test(c.detail)) : cells;
  return {
    routes: options.routes.map((r) => r.id), checks: [...new Set(checks)], cells: kept, ms: Math.round(performance.now() - started), costUsd: spent, calls,
    ...(stopped() ? { cancelled: true } : {}),
  };
}

/** The tool round trip: a call of drill_echo, its result sent back, an answer that uses it. */
async function drillTools(
  route: Route, router: Router, send: (router: Router, request: ChatRequest) => Promise<RouterAnswer>,
  cell: (check: string, status: DrillStatus, detail: string, fix?: string) => void,
  conversations: Array<{ route: Route; history: Message[] }>,
): Promise<void> {
  let first: ChatResponse;
  try {
    first = (await send(router, TOOL_ASK)).response;
  } catch (e) {
    const failed = failure(route, 'tools', e);
    cell('tools', 'fail', failed.detail, failed.fix);
    return;
  }
  const call = toolCallsOf(first.message).find((c) => c.name === DRILL_TOOL.name);
  if (!call) {
    cell('tools', 'fail', `no tool call; it answered "${trimmed(textOf(first.message), 60)}"`, adviceFor('no-tool-call', route));
    return;
  }
  const history: Message[] = [
    ...TOOL_ASK.messages,
    first.message,
    { role: 'user', parts: [{ type: 'tool_result', callId: call.id, name: call.name, content: JSON.stringify({ echo: call.arguments.value ?? null }) }] },
  ];
  try {
    const second = (await send(router, { ...TOOL_ASK, messages: history })).response;
    cell('tools', 'pass', `called ${call.name}(${JSON.stringify(call.arguments)}) and answered with the result: "${trimmed(textOf(second.message), 40)}"`);
    conversations.push({ route, history });
  } catch (e) {
    const failed = failure(route, 'tools', e);
    cell('tools', 'fail', `the tool result was refused: ${failed.detail}`, failed.fix);
  }
}
