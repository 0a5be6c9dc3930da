import { isBrokenCircuitError, isBulkheadRejectedError } from 'cockatiel';
import { randomUUID } from 'node:crypto';
import type { ProviderAdapter } from './adapters/adapter';
import { AnswerBuilder } from './answer';
import { AllRoutesFailedError, CancelledError, isCancelledError } from './chainErrors';
import type { AnswerEvent, Attempt, AttemptOutcome, GatewayEvent } from './events';
import { isProviderError, ProviderError } from './failures';
import type { ChatRequest, ChatResponse } from '../ir';
import { DEFAULT_POLICY, type PolicyConfig } from './policyConfig';
import { requestText } from './requestText';
import type { AbortSignalLike } from './lightAbort';
import { RequestAbort } from './requestAbort';
import { RoutePolicy, type BreakerState } from './routePolicy';
import { costUsd, priceOf, type Price } from './prices';
import { isEditorRoute, type HttpProviderKind, type Route } from './routes';
import type { EditorModel, EditorModels } from './editor/editorModel';
import { toEditorRequest } from './editor/editorMessages';
import { describeSelector } from './editor/editorSelector';
import { DEFAULT_MAX_OUTPUT_TOKENS, type SpendGuard, type SpendHold } from '../guardrails/spendGuard';
import type { TeamBreakers } from '../guardrails/teamBreakers';
import type { StreamEvent } from './stream';
import { headroomShortfall, lowestShare, MAX_RESET_MS, readRateLimits, type RateLimitReading } from './rateLimits';
import { UndiciTransport, type HttpResponse, type Transport } from './transport';

export interface RouterOptions {
  readonly routes: readonly Route[];
  readonly policy?: PolicyConfig;
  readonly adapterFor: (kind: HttpProviderKind) => ProviderAdapter;
  /** The editor's own models, for `vscode-lm` routes; absent outside VS Code (the CLI). */
  readonly editorModels?: EditorModels;
  /** The key of a route's secret; undefined when it is not set. Never logged. */
  readonly keyFor: (route: Route) => Promise<string | undefined>;
  /**
   * The route's key when it is known now (read before and not changed since), else undefined;
   * lets a request skip waiting on `keyFor`. A missing key is always asked of `keyFor`.
   */
  readonly knownKey?: (route: Route) => string | undefined;
  /** Tokens of a text as the route's model counts them, for the context-window check. */
  readonly countTokens?: (text: string, route: Route) => number;
  readonly transport?: Transport;
  /** Breaker states saved by `breakerStates()` before a reload. */
  readonly initialBreakerStates?: Readonly<Record<string, unknown>>;
  readonly onEvent?: (event: GatewayEvent) => void;
  /** Holds each try's worst-case cost before it is sent (the money budget). */
  readonly spend?: SpendGuard;
  /** Breakers shared with a team, beside each route's own: a route another client found failing is skipped. */
  readonly teamBreakers?: TeamBreakers;
  /**
   * Skip a route whose reported rate limit cannot hold the request before its reset (default
   * true). Off only to measure what it saves.
   */
  readonly headroomRouting?: boolean;
  /** The clock rate-limit resets are compared with (tests move it). */
  readonly now?: () => number;
}

export interface SendOptions {
  readonly signal?: AbortSignalLike;
  /** Stream the answer; `onAnswer` sees text as it arrives. */
  readonly stream?: boolean;
  readonly onAnswer?: (event: AnswerEvent) => void;
  /** One logical request: every retry and failover of it carries this key. */
  readonly idempotencyKey?: string;
}

/** An answer, with the route that gave it and everything tried on the way. */
export interface RouterAnswer {
  readonly status: 'answered';
  readonly route: Route;
  readonly response: ChatResponse;
  readonly attempts: readonly Attempt[];
  /** Set when a cut stream was finished by another route: continued from its text, or restarted. */
  readonly continuation?: 'prefill' | 'restart';
  /** USD at the route's prices; undefined when no price is known or no usage came back. */
  readonly costUsd?: number;
}

/** The state of one route, for the status bar and "Show Routes". */
export interface RouteStatus {
  readonly route: Route;
  readonly breaker: BreakerState;
  readonly disabled: boolean;
  readonly lastOutcome?: AttemptOutcome;
  readonly lastMessage?: string;
  readonly lastLatencyMs?: number;
  /** The rate limits the provider last reported, while they hold (until their reset). */
  readonly headroom?: RateLimitReading;
}

/** What one logical request carries across its attempts. */
interface Call {
  readonly request: ChatRequest;
  /** Input tokens per encoding family, counted once per route kind. */
  readonly inputTokens: Map<string, number>;
  readonly stream: boolean;
  /** The request's one abort signal: the caller's cancel and each try's time-out. */
  readonly abort: RequestAbort;
  readonly idempotencyKey: string;
  readonly attempts: Attempt[];
  readonly onAnswer?: (event: AnswerEvent) => void;
  /** Text the caller holds from earlier attempts of this request. */
  delivered: string;
  /** A tool call reached the caller's view of a stream that then failed: continuing is unsafe. */
  deliveredToolCall: boolean;
  /** When the last try on `lastRoute` ended: the gap to the next try on it is the backoff wait. */
  lastTryEnded?: number;
  lastRoute?: string;
  /** How a cut stream was finished, if one was. */
  continuation?: 'prefill' | 'restart';
  /** The route whose team probe this request holds, until its outcome is recorded. */
  teamProbe?: string;
  /** The editor model each `vscode-lm` route selected for this request. */
  editorModels?: Map<string, EditorModel>;
  /** The key read when the route was chosen, for its first try. */
  key?: { readonly route: string; readonly key: string };
}

const ERROR_BODY_LIMIT = 1024 * 1024;

/** Rough count used only when no tokenizer is given: errs high (3 characters a token). */
const estimateTokens = (text: string): number => Math.ceil(text.length / 3);

/**
 * The hot and warm tiers of the chain: hot routes, then warm ones, each call guarded by its route's policy. A
 * failure the taxonomy says to fail over on moves to the next usable route; every try is an
 * attempt in the answer (or in the error when all fail).
 */
export class Router {
  private readonly policy: PolicyConfig;
  private readonly transport: Transport;
  private readonly policies = new Map<string, RoutePolicy>();
  private readonly disabledRoutes = new Set<string>();
  private readonly last = new Map<string, Attempt>();
  /** The order of `orderedRoutes`, and each route's prices: routes do not change after start. */
  private readonly order: readonly Route[];
  private readonly prices = new Map<string, Price | undefined>();
  private readonly stopTeam: (() => void) | undefined;
  /** Each route's last reported rate limits, and the routes warned about as low. */
  private readonly headroom = new Map<string, RateLimitReading>();
  private readonly lowHeadroom = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: RouterOptions) {
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.transport = options.transport ?? new UndiciTransport();
    this.now = options.now ?? Date.now;
    this.order = [...options.routes.filter((r) => r.tier === 'hot'), ...options.routes.filter((r) => r.tier === 'warm')];
    for (const route of options.routes) {
      this.prices.set(route.id, priceOf(route));
      this.policies.set(route.id, new RoutePolicy(this.policy, {
        onBreakerChange: (state) => this.emit({ type: 'breaker', route: route.id, state }),
        onRetry: (error, delayMs) => this.emit({ type: 'retry', route: route.id, delayMs, reason: error.kind }),
      }, options.initialBreakerStates?.[route.id]));
    }
    this.stopTeam = options.teamBreakers?.onChange((routeId, state) => this.onTeamChange(routeId, state));
  }

  /**
   * Another client changed a route's team breaker: the status bar hears it as a breaker event.
   * Closed by the team means someone's call there succeeded, so this client's own breaker closes too.
   */
  private onTeamChange(routeId: string, state: BreakerState): void {
    const policy = this.policies.get(routeId);
    if (!policy) return;
    if (state === 'closed' && policy.state() !== 'closed') policy.reset();
    else this.emit({ type: 'breaker', route: routeId, state: this.breakerState(routeId) });
  }

  /** A route's breaker as the user sees it: the worse of its own and the team's. */
  private breakerState(routeId: string, now = Date.now()): BreakerState {
    const own = this.policies.get(routeId)!.state(now);
    const team = this.options.teamBreakers?.view(routeId, now) ?? 'closed';
    return SEVERITY[team] > SEVERITY[own] ? team : own;
  }

  /** Routes in the order the chain tries them: every hot route, then every warm route. */
  get orderedRoutes(): Route[] {
    return [...this.order];
  }

  send(request: ChatRequest, options: SendOptions = {}): Promise<RouterAnswer> {
    const call: Call = {
      request,
      inputTokens: new Map(),
      stream: options.stream ?? false,
      // Its own signal per request, even when the caller gives none: listeners of calls in
      // flight attach to their own request's signal, never to one shared by all.
      abort: new RequestAbort(options.signal),
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      attempts: [],
      onAnswer: options.onAnswer,
      delivered: '',
      deliveredToolCall: false,
    };
    return this.sendCall(call);
  }

  private async sendCall(call: Call): Promise<RouterAnswer> {
    try {
      let smallestTooLong = Number.POSITIVE_INFINITY;
      let previous: { route: Route; outcome: AttemptOutcome; at: number } | undefined;
      for (const route of this.order) {
        if (call.abort.cancelled) throw new CancelledError(call.attempts);
        const pending = this.skipReason(route, call, smallestTooLong);
        const skip = pending instanceof Promise ? await pending : pending;
        if (skip) {
          this.record(call, attemptOf(route, skip.outcome, true, 0, undefined, undefined, skip.message));
          continue;
        }
        if (previous && this.options.onEvent) {
          const to = this.worstCost(route, call);
          const from = this.worstCost(previous.route, call);
          const delta = to !== undefined && from !== undefined ? to - from : undefined;
          this.emit({
            type: 'failover', from: previous.route.id, to: route.id, reason: previous.outcome, addedMs: Math.round(performance.now() - previous.at),
            ...(delta !== undefined ? { costDeltaUsd: delta } : {}),
          });
        }
        const prefix = this.prepareContinuation(route, call);
        if (this.options.onEvent) this.emit({ type: 'route-started', route: route.id, tier: route.tier });
        try {
          const response = await this.guarded(route, call, prefix);
          const answer: { -readonly [K in keyof RouterAnswer]: RouterAnswer[K] } = { status: 'answered', route, response, attempts: call.attempts };
          if (call.continuation) answer.continuation = call.continuation;
          const cost = this.costOf(route, response);
          if (cost !== undefined) answer.costUsd = cost;
          return answer;
        } catch (e) {
          if (isCancelledError(e) || call.abort.cancelled) throw new CancelledError(call.attempts);
          if (e instanceof TeamBreakerOpenError) {
            // Recorded as a skip: another client opened it while this request was retrying.
          } else
          if (isBrokenCircuitError(e)) {
            // Another call is probing this route (half-open); do not wait for it.
            this.record(call, attemptOf(route, 'breaker-open', true, 0, undefined, undefined, 'breaker open (a probe is in flight)'));
          } else if (isBulkheadRejectedError(e)) {
            this.record(call, attemptOf(route, 'bulkhead-full', true, 0, undefined, undefined, `more than ${this.policy.maxConcurrent + this.policy.maxQueued} calls on this route at once`));
          } else if (e instanceof OverBudgetError) {
            // Recorded as a skip; a cheaper route may still fit.
          } else if (isProviderError(e) && e.kind === 'context_too_long') {
            smallestTooLong = Math.min(smallestTooLong, route.contextWindow ?? Number.POSITIVE_INFINITY);
          }
          previous = { route, outcome: call.attempts.at(-1)?.outcome ?? 'server_error', at: performance.now() };
        } finally {
          // A probe that proved nothing (cancelled, refused, never sent) goes back to the team.
          if (call.teamProbe === route.id) {
            call.teamProbe = undefined;
            void this.options.teamBreakers?.releaseProbe(route.id);
          }
        }
      }
      throw new AllRoutesFailedError(call.attempts);
    } finally {
      call.abort.dispose();
    }
  }

  /**
   * Before trying a route after a stream was cut: continue from the text the caller has when
   * the route can take it as a prefill (and no tool call was in flight), else tell the caller
   * to start over. Returns the prefix the new attempt continues from.
   */
  private prepareContinuation(route: Route, call: Call): string {
    if (!call.delivered && !call.deliveredToolCall) return '';
    const adapter = isEditorRoute(route) ? undefined : this.options.adapterFor(route.provider as HttpProviderKind);
    const canPrefill = adapter ? (adapter.canPrefill ? adapter.canPrefill(route) : adapter.supportsPrefill) : false;
    if (canPrefill && !call.deliveredToolCall && call.delivered.trim()) {
      call.continuation = 'prefill';
      call.onAnswer?.({ type: 'continue', route: route.id, reason: 'the previous route\'s stream was cut; continuing from its text' });
      // Providers refuse a prefill that ends in whitespace; the model continues from the trimmed text.
      return call.delivered.trimEnd();
    }
    call.continuation = 'restart';
    call.onAnswer?.({ type: 'restart', route: route.id, reason: 'the previous route\'s stream was cut; starting the answer again' });
    call.delivered = '';
    call.deliveredToolCall = false;
    return '';
  }

  /**
   * Why a route is skipped without a call, or undefined when it is tried. Answered at once when
   * nothing needs waiting for (the usual case: the route's key already known), so a burst's
   * requests reach the wire without a round of promise jobs each; a Promise otherwise.
   */
  private skipReason(route: Route, call: Call, smallestTooLong: number): Skip | Promise<Skip> {
    if (this.disabledRoutes.has(route.id)) return { outcome: 'disabled', message: 'disabled for this session' };
    const policy = this.policies.get(route.id)!;
    if (policy.state() === 'open') return { outcome: 'breaker-open', message: 'breaker open; skipped without a call' };
    // Waiting for another call's probe could take a whole time-out: fail over instead.
    if (policy.probing) return { outcome: 'breaker-open', message: 'breaker half-open; another request is probing it' };
    const team = this.options.teamBreakers?.view(route.id) ?? 'closed';
    if (team === 'open') return { outcome: 'breaker-open', message: TEAM_OPEN };
    if (route.secret) {
      const known = this.options.knownKey?.(route);
      if (known === undefined) return this.skipAfterKeyRead(route, call, smallestTooLong, team);
      call.key = { route: route.id, key: known };
    }
    return this.skipWithKey(route, call, smallestTooLong, team);
  }

  private async skipAfterKeyRead(route: Route, call: Call, smallestTooLong: number, team: BreakerState): Promise<Skip> {
    const key = await this.options.keyFor(route);
    if (key === undefined) return { outcome: 'no-key', message: `no key is set for its secret "${route.secret}"` };
    // The route's first try uses the key just read; a retry reads it again (it may have been replaced).
    call.key = { route: route.id, key };
    return this.skipWithKey(route, call, smallestTooLong, team);
  }

  private skipWithKey(route: Route, call: Call, smallestTooLong: number, team: BreakerState): Skip | Promise<Skip> {
    if (isEditorRoute(route)) return this.selectEditorModel(route, call).then((skip) => skip ?? this.skipByFit(route, call, smallestTooLong, team));
    return this.skipByFit(route, call, smallestTooLong, team);
  }

  /** The route's window, its reported rate limits, the money budget, and the team's probe. */
  private skipByFit(route: Route, call: Call, smallestTooLong: number, team: BreakerState): Skip | Promise<Skip> {
    if (route.contextWindow !== undefined) {
      const input = this.inputTokens(route, call);
      const output = maxOutputOf(route, call.request);
      if (input + output > route.contextWindow) {
        return { outcome: 'context-window', message: `${input} input + ${output} output tokens exceed its ${route.contextWindow}-token window` };
      }
    }
    if (route.contextWindow !== undefined && route.contextWindow <= smallestTooLong && smallestTooLong !== Number.POSITIVE_INFINITY) {
      return { outcome: 'context-window', message: `a route with a ${smallestTooLong}-token window already said the payload is too long` };
    }
    if (this.options.headroomRouting !== false && !isEditorRoute(route)) {
      const short = headroomShortfall(this.headroom.get(route.id), { input: this.inputTokens(route, call), output: maxOutputOf(route, call.request) }, this.now());
      if (short) return { outcome: 'no-headroom', message: short };
    }
    // Checked before the route's policy runs, so a refusal never reaches (and closes) a half-open breaker.
    const refused = this.options.spend?.refusal(route, this.inputTokens(route, call), maxOutputOf(route, call.request));
    if (refused) return { outcome: 'over-budget', message: refused };
    // Last, so a probe is claimed only by a request that will send it.
    if (team === 'half-open') return this.claimTeamProbe(route, call);
    return undefined;
  }

  private async claimTeamProbe(route: Route, call: Call): Promise<Skip> {
    if (!(await this.options.teamBreakers!.claimProbe(route.id, this.policy.timeoutMs + PROBE_LOCK_MARGIN_MS))) {
      return { outcome: 'breaker-open', message: 'breaker half-open for the team; a probe by another client is in flight' };
    }
    call.teamProbe = route.id;
    return undefined;
  }

  /**
   * Selects a `vscode-lm` route's model and counts the request with the model's own tokenizer
   * against its own input limit (or the route's window when it sets one).
   */
  private async selectEditorModel(route: Route, call: Call): Promise<Skip> {
    const editor = this.options.editorModels;
    if (!editor) return { outcome: 'editor-only', message: 'a "vscode-lm" route reaches the editor\'s own models and works only inside VS Code, through its Language Model API; this host does not provide it, so it is skipped' };
    let model: EditorModel | undefined;
    try {
      model = await editor.select(route.select ?? {});
    } catch (e) {
      return { outcome: 'no-model', message: `the editor's models could not be listed: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!model) {
      const offered = await editor.available().then((models) => models.map((m) => `${m.vendor}/${m.family} (${m.id})`), () => []);
      const list = offered.length ? `the editor offers: ${offered.slice(0, 12).join(', ')}` : 'the editor offers no language models (is a provider such as GitHub Copilot installed and signed in?)';
      return { outcome: 'no-model', message: `no editor model matches ${describeSelector(route.select ?? {})}; ${list}` };
    }
    (call.editorModels ??= new Map()).set(route.id, model);
    if (!call.inputTokens.has(route.id)) {
      const counted = await model.countTokens(requestText(call.request), call.abort.signal).catch(() => undefined);
      call.inputTokens.set(route.id, counted ?? estimateTokens(requestText(call.request)));
    }
    const input = this.inputTokens(route, call);
    if (route.contextWindow === undefined && input > model.maxInputTokens) {
      return { outcome: 'context-window', message: `${input} input tokens exceed the model's ${model.maxInputTokens}-token input limit` };
    }
    return undefined;
  }

  /** Tells the team's breaker what a try proved; a failure is awaited (bounded) so the next try sees the breaker it opened. */
  private async teamRecord(route: Route, call: Call, outcome: 'success' | 'failure'): Promise<void> {
    const team = this.options.teamBreakers;
    if (!team) return;
    if (call.teamProbe === route.id) call.teamProbe = undefined;
    const recorded = team.record(route.id, outcome, this.policy);
    if (outcome === 'failure') await recorded;
  }

  /** One route through its policy, racing the caller's cancel so a backoff wait never holds it. */
  private guarded(route: Route, call: Call, prefix: string): Promise<ChatResponse> {
    const policy = this.policies.get(route.id)!;
    const run = policy.execute((signal) => this.callOnce(route, call, prefix, signal), call.abort);
    return call.abort.race(run, () => new CancelledError(call.attempts));
  }

  /** One HTTP try. Every outcome becomes an attempt record. */
  private async callOnce(route: Route, call: Call, prefix: string, signal: AbortSignalLike): Promise<ChatResponse> {
    const started = performance.now();
    const waitMs = call.lastRoute === route.id && call.lastTryEnded !== undefined ? Math.round(started - call.lastTryEnded) : undefined;
    const deliveredBefore = call.delivered;
    let httpStatus: number | undefined;
    let hold: SpendHold | undefined;
    let usage: ChatResponse['usage'];
    let sent = false;
    try {
      if (call.abort.cancelled) throw new CancelledError(call.attempts);
      // A retry stops when the team opened the route meanwhile (unless this request holds its probe).
      if (call.teamProbe !== route.id && (this.options.teamBreakers?.view(route.id) ?? 'closed') !== 'closed') throw new TeamBreakerOpenError(TEAM_OPEN);
      const maxOutputTokens = maxOutputOf(route, call.request);
      if (this.options.spend) {
        // A continuation also sends the text it continues from.
        const input = this.inputTokens(route, call) + (prefix ? (this.options.countTokens ?? estimateTokens)(prefix, route) : 0);
        const reserved = this.options.spend.reserve(route, input, maxOutputTokens, call.idempotencyKey);
        const held = reserved instanceof Promise ? await reserved : reserved;
        if (typeof held === 'string') throw new OverBudgetError(held);
        hold = held;
      }
      if (isEditorRoute(route)) {
        sent = true;
        const answer = await this.editorCall(route, call, maxOutputTokens, signal);
        usage = answer.usage;
        this.record(call, attemptOf(route, 'answered', false, performance.now() - started, undefined, waitMs));
        if (this.options.teamBreakers) void this.teamRecord(route, call, 'success');
        return answer;
      }
      const adapter = this.options.adapterFor(route.provider as HttpProviderKind);
      let apiKey: string | undefined;
      if (call.key?.route === route.id) apiKey = call.key.key;
      else if (route.secret) apiKey = await this.options.keyFor(route);
      call.key = undefined;
      const spec = adapter.buildRequest(route, { ...call.request, maxOutputTokens }, {
        stream: call.stream,
        apiKey,
        idempotencyKey: call.idempotencyKey,
        ...(prefix ? { continueFrom: prefix } : {}),
      });
      const limit = this.policy.timeoutMs;
      sent = true;
      const response = await this.transport.send(spec, {
        signal,
        headersTimeoutMs: call.stream ? Math.min(this.policy.firstByteTimeoutMs, limit) : limit,
        bodyTimeoutMs: call.stream ? Math.min(this.policy.idleTimeoutMs, limit) : limit,
      });
      httpStatus = response.status;
      this.noteRateLimits(route, response);
      if (response.status < 200 || response.status >= 300) {
        const body = await response.text(ERROR_BODY_LIMIT).catch(() => '');
        throw adapter.classifyError(response.status, response.headers, body, Date.now());
      }
      let answer: ChatResponse;
      if (call.stream) {
        const decoder = adapter.createStreamDecoder();
        const builder = new AnswerBuilder(prefix);
        const deliver = (events: StreamEvent[]) => {
          for (const event of events) {
            builder.add(event);
            if (event.type === 'text' && event.text) {
              call.delivered += event.text;
              call.onAnswer?.({ type: 'text', text: event.text, route: route.id });
            } else if (event.type === 'tool_call') {
              call.deliveredToolCall = true;
            }
          }
        };
        for await (const chunk of response.body) deliver(decoder.push(chunk));
        deliver(decoder.end());
        answer = builder.response();
      } else {
        answer = adapter.parseResponse(await response.text());
      }
      usage = answer.usage;
      this.record(call, attemptOf(route, 'answered', false, performance.now() - started, httpStatus, waitMs));
      if (this.options.teamBreakers) void this.teamRecord(route, call, 'success');
      return answer;
    } catch (e) {
      if (e instanceof OverBudgetError || e instanceof TeamBreakerOpenError) {
        this.record(call, attemptOf(route, e instanceof OverBudgetError ? 'over-budget' : 'breaker-open', true, 0, undefined, undefined, e.message));
        throw e;
      }
      const error = this.classify(e, call, signal, call.delivered !== deliveredBefore);
      hold?.settle(undefined, sent && mayHaveBeenBilled(error, httpStatus));
      hold = undefined;
      if (isCancelledError(error)) throw error;
      this.noteWait(route, error);
      this.record(call, attemptOf(route, error.kind, false, performance.now() - started, error.httpStatus ?? httpStatus, waitMs, error.message));
      if (error.decision.tripsBreaker) await this.teamRecord(route, call, 'failure');
      throw error;
    } finally {
      hold?.settle(usage, sent);
      call.lastTryEnded = performance.now();
      call.lastRoute = route.id;
    }
  }

  /** One try on an editor model: its events assembled as a stream's are, text delivered as it comes. */
  private async editorCall(route: Route, call: Call, maxOutputTokens: number, signal: AbortSignalLike): Promise<ChatResponse> {
    const model = call.editorModels?.get(route.id);
    if (!model) throw new ProviderError({ kind: 'not_found', message: 'the editor model was not selected', notSent: true });
    const builder = new AnswerBuilder();
    // The API reports no usage: the input is what the model's own tokenizer counted before sending.
    const input = call.inputTokens.get(route.id);
    if (input !== undefined) builder.add({ type: 'usage', usage: { inputTokens: input } });
    for await (const event of this.options.editorModels!.send(model, toEditorRequest({ ...call.request, maxOutputTokens }), signal)) {
      builder.add(event);
      if (!call.stream) continue;
      if (event.type === 'text' && event.text) {
        call.delivered += event.text;
        call.onAnswer?.({ type: 'text', text: event.text, route: route.id });
      } else if (event.type === 'tool_call') {
        call.deliveredToolCall = true;
      }
    }
    if (!builder.complete) throw new ProviderError({ kind: 'truncated_stream', message: 'the editor model\'s answer stopped before it was complete' });
    return builder.response();
  }

  /** Any failure of a try as a ProviderError (or the caller's cancel), marked partial when text went out. */
  private classify(e: unknown, call: Call, signal: AbortSignalLike, sentText: boolean): ProviderError | CancelledError {
    if (call.abort.cancelled || isCancelledError(e)) return new CancelledError(call.attempts);
    let error: ProviderError;
    if (isProviderError(e)) error = e;
    else if (signal.aborted) error = new ProviderError({ kind: 'timeout', message: `no complete answer within ${this.policy.timeoutMs} ms`, cause: e });
    else error = new ProviderError({ kind: 'malformed', message: `the response could not be read: ${e instanceof Error ? e.message : String(e)}`, cause: e });
    if (sentText && error.partialText === undefined) {
      error = new ProviderError({
        kind: error.kind, message: error.message, httpStatus: error.httpStatus, retryAfterMs: error.retryAfterMs,
        providerCode: error.providerCode, inBody: error.inBody, partialText: call.delivered, notSent: error.notSent, cause: error,
      });
    }
    return error;
  }

  /** The request's input tokens as this route's model counts them (counted once per route). */
  private inputTokens(route: Route, call: Call): number {
    let tokens = call.inputTokens.get(route.id);
    if (tokens === undefined) {
      tokens = (this.options.countTokens ?? estimateTokens)(requestText(call.request), route);
      call.inputTokens.set(route.id, tokens);
    }
    return tokens;
  }

  /** The most this request can cost on a route: its input and answer cap at the route's prices. */
  private worstCost(route: Route, call: Call): number | undefined {
    const price = this.prices.get(route.id);
    return price ? costUsd(price, this.inputTokens(route, call), maxOutputOf(route, call.request)) : undefined;
  }

  /** The cost of an answer at its route's prices (its own, or the shipped table's). */
  private costOf(route: Route, response: ChatResponse): number | undefined {
    const price = this.prices.get(route.id);
    if (!response.usage || !price) return undefined;
    return costUsd(price, response.usage.inputTokens, response.usage.outputTokens);
  }

  private record(call: Call, attempt: Attempt): void {
    call.attempts.push(attempt);
    this.last.set(attempt.route, attempt);
    if (this.options.onEvent) this.emit({ type: 'attempt', attempt });
  }

  private emit(event: GatewayEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure must never break the request path.
    }
  }

  /** Keeps what the provider said about the route's limits; warns once when one runs low. */
  private noteRateLimits(route: Route, response: HttpResponse): void {
    const header = response.header ? (name: string) => response.header!(name) : (name: string) => response.headers[name];
    const reading = readRateLimits(route.provider as HttpProviderKind, header, this.now());
    if (!reading) return;
    this.headroom.set(route.id, reading);
    const lowest = lowestShare(reading);
    const warnAt = this.policy.headroomWarnPercent / 100;
    if (!lowest || lowest.share >= warnAt) {
      this.lowHeadroom.delete(route.id);
    } else if (!this.lowHeadroom.has(route.id)) {
      this.lowHeadroom.add(route.id);
      const bucket = lowest.what === 'requests' ? reading.requests : lowest.what === 'tokens' ? reading.tokens : lowest.what === 'input tokens' ? reading.inputTokens : reading.outputTokens;
      this.emit({ type: 'headroom-low', route: route.id, what: lowest.what, percentLeft: Math.round(lowest.share * 1000) / 10, ...(bucket?.resetAt !== undefined ? { resetAt: bucket.resetAt } : {}) });
    }
  }

  /**
   * A rate limit that said how long to wait (Retry-After, Gemini's RetryInfo) is a limit with no
   * request left until then, beside what the provider's headers in the same answer said.
   */
  private noteWait(route: Route, error: ProviderError): void {
    if ((error.kind !== 'rate_limited' && error.kind !== 'quota_exhausted') || error.retryAfterMs === undefined || isEditorRoute(route)) return;
    const now = this.now();
    const reading = this.headroom.get(route.id);
    const resetAt = now + Math.min(error.retryAfterMs, MAX_RESET_MS);
    const kept = reading && reading.at === now ? reading : { at: now };
    this.headroom.set(route.id, { ...kept, requests: { ...(kept.requests?.limit !== undefined ? { limit: kept.requests.limit } : {}), remaining: 0, resetAt: Math.max(resetAt, kept.requests?.resetAt ?? 0) } });
  }

  /** The limits a route reported, while any of them has not reset yet. */
  private headroomOf(routeId: string, now: number): RateLimitReading | undefined {
    const reading = this.headroom.get(routeId);
    if (!reading) return undefined;
    const resets = [reading.requests, reading.tokens, reading.inputTokens, reading.outputTokens].map((b) => b?.resetAt).filter((t): t is number => t !== undefined);
    return resets.some((t) => t > now) ? reading : undefined;
  }

  /** Every route's breaker, for the status bar and "Show Routes". */
  routeStatus(now = Date.now()): RouteStatus[] {
    return this.order.map((route) => {
      const last = this.last.get(route.id);
      const headroom = this.headroomOf(route.id, this.now());
      return {
        route,
        breaker: this.breakerState(route.id, now),
        disabled: this.disabledRoutes.has(route.id),
        ...(last ? { lastOutcome: last.outcome, lastMessage: last.message, lastLatencyMs: last.skipped ? undefined : Math.round(last.ms) } : {}),
        ...(headroom ? { headroom } : {}),
      };
    });
  }

  /** Breaker states to save (restored through `initialBreakerStates`). */
  breakerStates(): Record<string, unknown> {
    return Object.fromEntries([...this.policies].map(([id, policy]) => [id, policy.toJSON()]));
  }

  resetBreaker(routeId: string): void {
    this.policies.get(routeId)?.reset();
    // A reset is the user saying "try it": what the route reported about its limits goes too.
    this.headroom.delete(routeId);
    this.lowHeadroom.delete(routeId);
  }

  setDisabled(routeId: string, disabled: boolean): void {
    if (disabled) this.disabledRoutes.add(routeId);
    else this.disabledRoutes.delete(routeId);
  }

  dispose(): Promise<void> {
    this.stopTeam?.();
    return this.transport.close();
  }
}

/** Why a route is skipped without a call; undefined when it is tried. */
type Skip = { outcome: AttemptOutcome; message: string } | undefined;

/** A try the money budget cannot afford on this route; never retried, never trips the breaker. */
class OverBudgetError extends Error {}

/** The team opened the route while this request was on it; never retried, never trips the breaker. */
class TeamBreakerOpenError extends Error {}

const TEAM_OPEN = 'breaker open for the team; another client found this route failing, skipped without a call';

/** Beyond the probe's own time-out, how long its claim outlives a client that died holding it. */
const PROBE_LOCK_MARGIN_MS = 5_000;

const SEVERITY: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The answer cap a try on this route carries. */
function maxOutputOf(route: Route, request: ChatRequest): number {
  return request.maxOutputTokens ?? route.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/**
 * Whether a failed try may still have been billed: the provider may have done the work when the
 * answer was lost on the way (time-outs, resets, cut or unreadable answers after a 200).
 */
function mayHaveBeenBilled(error: ProviderError | CancelledError, httpStatus: number | undefined): boolean {
  if (isCancelledError(error)) return true;
  if (error.notSent) return false;
  if (error.kind === 'timeout' || error.kind === 'connection') return true;
  return httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300;
}

/**
 * One try's record. Built field by field, with absent fields left out (as the log and `--json`
 * expect), rather than by spreading: it is made on every request.
 */
function attemptOf(route: Route, outcome: AttemptOutcome, skipped: boolean, ms: number, httpStatus: number | undefined, waitMs: number | undefined, message?: string): Attempt {
  const attempt: { -readonly [K in keyof Attempt]: Attempt[K] } = { route: route.id, provider: route.provider, model: route.model, tier: route.tier, outcome, skipped, ms };
  if (httpStatus) attempt.httpStatus = httpStatus;
  if (waitMs) attempt.waitMs = waitMs;
  if (message !== undefined) attempt.message = message;
  return attempt;
}
