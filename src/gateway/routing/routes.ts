/** Which part of the fallback chain a route belongs to. */
export type Tier = 'hot' | 'warm';

/** The wire formats spoken over HTTP, one adapter each. */
export type HttpProviderKind = 'openai' | 'anthropic' | 'gemini' | 'openai-compatible';

/**
 * What a route speaks: an HTTP provider's wire format, or `vscode-lm`, a model of the editor's
 * own Language Model API reached through the transport the VS Code layer hands the core.
 */
export type ProviderKind = HttpProviderKind | 'vscode-lm';

export const TIERS: readonly Tier[] = ['hot', 'warm'];
export const HTTP_PROVIDER_KINDS: readonly HttpProviderKind[] = ['openai', 'anthropic', 'gemini', 'openai-compatible'];
export const PROVIDER_KINDS: readonly ProviderKind[] = [...HTTP_PROVIDER_KINDS, 'vscode-lm'];

/** Which editor model a `vscode-lm` route selects (the fields of `vscode.lm.selectChatModels`). */
export interface EditorModelSelector {
  readonly vendor?: string;
  readonly family?: string;
  readonly id?: string;
  readonly version?: string;
}

/** One way to reach a model, as the user configured it. */
export interface Route {
  readonly id: string;
  readonly tier: Tier;
  readonly provider: ProviderKind;
  readonly model: string;
  readonly baseUrl: string;
  /** Name of the secret holding the key: a SecretStorage entry in VS Code, an env var in the CLI. */
  readonly secret?: string;
  readonly inputPricePerMTok?: number;
  readonly outputPricePerMTok?: number;
  readonly contextWindow?: number;
  readonly maxOutputTokens?: number;
  /** For `vscode-lm` routes: the editor model to select. Its `baseUrl` is empty. */
  readonly select?: EditorModelSelector;
}

/** Whether a route goes to an editor model rather than over HTTP. */
export function isEditorRoute(route: Route): boolean {
  return route.provider === 'vscode-lm';
}

/** Where each provider kind is reached when a route names no base URL. */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderKind, string | undefined>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  'openai-compatible': undefined,
  'vscode-lm': undefined,
};

/** What is wrong with one route, said so that the user can fix it in settings. */
export interface RouteProblem {
  readonly index: number;
  readonly routeId: string | undefined;
  readonly field: string;
  readonly message: string;
}

export interface ParsedRoutes {
  readonly routes: Route[];
  readonly problems: RouteProblem[];
}

const ROUTE_FIELDS = new Set([
  'id', 'tier', 'provider', 'model', 'baseUrl', 'secret',
  'inputPricePerMTok', 'outputPricePerMTok', 'contextWindow', 'maxOutputTokens',
  'vendor', 'family', 'version',
]);

/** The fields only a `vscode-lm` route has: they select the editor model. */
const SELECTOR_FIELDS = ['vendor', 'family', 'version'] as const;

/** Upper bounds on a route's numbers: past these a value is a mistake, not a model. */
export const MAX_OUTPUT_TOKENS = 1_000_000;
export const MAX_CONTEXT_WINDOW = 10_000_000;
export const MAX_PRICE_PER_MTOK = 10_000;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True for hosts that never leave the machine: the only ones allowed plain http://. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Checks a base URL: https anywhere, http only to loopback, no credentials in the URL. */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL; write it like "https://api.example.com/v1".`;
  }
  if (url.username || url.password) return 'must not contain a user name or password; store the key with "Set API Key" instead.';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : `uses plain http:// to ${url.hostname}; only loopback (localhost, 127.0.0.1, ::1) may use http://, use https:// for anything else.`;
  }
  return `uses ${url.protocol}//; only https:// (and http:// to loopback) is allowed.`;
}

function isPositiveNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/**
 * Validates routes from settings or a routes file. Each bad route is reported with its field and
 * left out; the good ones are returned, so one mistake does not stop the rest from working.
 */
export function parseRoutes(input: unknown): ParsedRoutes {
  const routes: Route[] = [];
  const problems: RouteProblem[] = [];
  if (!Array.isArray(input)) {
    problems.push({ index: -1, routeId: undefined, field: 'routes', message: 'must be an array of route objects.' });
    return { routes, problems };
  }
  const seen = new Set<string>();
  input.forEach((raw, index) => {
    const id = typeof raw === 'object' && raw !== null && typeof raw.id === 'string' ? raw.id : undefined;
    const problem = (field: string, message: string) => problems.push({ index, routeId: id, field, message });
    const before = problems.length;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problem('', 'must be an object with at least "id", "tier", "provider" and "model".');
      return;
    }
    const r = raw as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!ROUTE_FIELDS.has(key)) problem(key, `is not a route field; allowed: ${[...ROUTE_FIELDS].join(', ')}.`);
    }
    if (typeof r.id !== 'string' || !ID_PATTERN.test(r.id)) {
      problem('id', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
    } else if (seen.has(r.id)) {
      problem('id', `"${r.id}" is used by an earlier route; route ids must be unique.`);
    }
    if (!TIERS.includes(r.tier as Tier)) problem('tier', `is ${JSON.stringify(r.tier)}; allowed: ${TIERS.map((t) => `"${t}"`).join(', ')}.`);
    const knownProvider = PROVIDER_KINDS.includes(r.provider as ProviderKind);
    if (!knownProvider) {
      problem('provider', `is ${JSON.stringify(r.provider)}; allowed: ${PROVIDER_KINDS.map((p) => `"${p}"`).join(', ')}.`);
    }
    const editor = r.provider === 'vscode-lm';
    if (editor) {
      editorRouteProblems(r, problem);
    } else {
      if (typeof r.model !== 'string' || r.model.trim() === '') problem('model', 'must name the model, e.g. "gpt-4o-mini".');
      for (const field of SELECTOR_FIELDS) {
        if (r[field] !== undefined) problem(field, `selects an editor model; it is only for routes with "provider": "vscode-lm".`);
      }
    }
    const baseUrl = editor ? '' : r.baseUrl ?? (knownProvider ? DEFAULT_BASE_URLS[r.provider as ProviderKind] : undefined);
    if (editor) {
      // Nothing to check: an editor model is reached through VS Code, never over the network by us.
    } else if (baseUrl === undefined) {
      if (knownProvider) problem('baseUrl', `is required for provider "${String(r.provider)}".`);
    } else if (typeof baseUrl !== 'string') {
      problem('baseUrl', 'must be a string.');
    } else {
      const why = baseUrlProblem(baseUrl);
      if (why) problem('baseUrl', why);
    }
    if (r.secret !== undefined && (typeof r.secret !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(r.secret))) {
      problem('secret', 'must be a name like "OPENAI_API_KEY" (letters, digits, "_", ".", "-").');
    }
    for (const field of ['inputPricePerMTok', 'outputPricePerMTok'] as const) {
      if (r[field] !== undefined && !(isPositiveNumber(r[field]) && (r[field] as number) <= MAX_PRICE_PER_MTOK)) {
        problem(field, `must be a number of USD per million tokens, from 0 to ${MAX_PRICE_PER_MTOK}.`);
      }
    }
    // Bounded so that a request's worst-case cost stays a real figure: an absurd maxOutputTokens
    // would make every request too dear for any budget and queue it forever.
    for (const [field, max] of [['contextWindow', MAX_CONTEXT_WINDOW], ['maxOutputTokens', MAX_OUTPUT_TOKENS]] as const) {
      const value = r[field];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max)) {
        problem(field, `must be a whole number of tokens from 1 to ${max}.`);
      }
    }
    if (Number.isInteger(r.contextWindow) && Number.isInteger(r.maxOutputTokens) && (r.maxOutputTokens as number) > (r.contextWindow as number)
      && (r.maxOutputTokens as number) <= MAX_OUTPUT_TOKENS && (r.contextWindow as number) <= MAX_CONTEXT_WINDOW) {
      problem('maxOutputTokens', `is ${r.maxOutputTokens as number}, more than the route's contextWindow (${r.contextWindow as number}); lower it or leave it out.`);
    }
    if (problems.length > before) return;
    seen.add(r.id as string);
    routes.push(editor ? editorRoute(r) : { ...(r as unknown as Route), baseUrl: (baseUrl as string).replace(/\/+$/, '') });
  });
  return { routes, problems };
}

const SELECTOR_TEXT = /^[^\u0000-\u001f]{1,128}$/;

/** Checks the fields of a `vscode-lm` route: what selects the model, and no URL or key. */
function editorRouteProblems(r: Record<string, unknown>, problem: (field: string, message: string) => void): void {
  for (const field of ['model', ...SELECTOR_FIELDS] as const) {
    if (r[field] !== undefined && (typeof r[field] !== 'string' || !SELECTOR_TEXT.test(r[field] as string) || (r[field] as string).trim() === '')) {
      problem(field, 'must be a non-empty string of at most 128 characters.');
    }
  }
  if (r.model === undefined && r.vendor === undefined && r.family === undefined) {
    problem('model', 'or "vendor" or "family" must say which editor model to use, e.g. "vendor": "copilot", "family": "gpt-4o"; "Context Gateway: Show Routes" lists the models the editor offers.');
  }
  if (r.baseUrl !== undefined) problem('baseUrl', 'is not used by "vscode-lm" routes: the editor reaches its own models; remove it.');
  if (r.secret !== undefined) problem('secret', 'is not used by "vscode-lm" routes: editor models need no key; remove it.');
}

/** A valid `vscode-lm` route: `model` names the model's id when given, else what selects it (for logs). */
function editorRoute(r: Record<string, unknown>): Route {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
  const select: { -readonly [K in keyof EditorModelSelector]: string } = {};
  if (text(r.vendor)) select.vendor = text(r.vendor);
  if (text(r.family)) select.family = text(r.family);
  if (text(r.model)) select.id = text(r.model);
  if (text(r.version)) select.version = text(r.version);
  const { vendor: _v, family: _f, version: _ver, ...rest } = r;
  return {
    ...(rest as unknown as Route),
    model: select.id ?? select.family ?? select.vendor!,
    baseUrl: '',
    // Free unless the route says otherwise: the editor's models are paid for by the user's plan.
    inputPricePerMTok: (r.inputPricePerMTok as number | undefined) ?? 0,
    outputPricePerMTok: (r.outputPricePerMTok as number | undefined) ?? 0,
    select,
  };
}

/** One line per problem: `Route "id" (routes[2]): field "tier" is "cold"; allowed: ...`. */
export function describeRouteProblem(p: RouteProblem): string {
  const where = p.index < 0 ? 'Routes' : `Route ${p.routeId ? `"${p.routeId}" ` : ''}(routes[${p.index}])`;
  return p.field ? `${where}: field "${p.field}" ${p.message}` : `${where} ${p.message}`;
}
