// What to change when a drill check fails, in the user's terms: the provider's own words say
// what happened, these say what to do about it.
import type { AttemptOutcome } from '../routing/events';
import type { Route } from '../routing/routes';

export function adviceFor(outcome: AttemptOutcome | string, route: Route): string {
  switch (outcome) {
    case 'auth':
      return route.secret ? `the provider refused the key: check that "${route.secret}" holds a valid ${route.provider} key with access to ${route.model}` : 'the provider wants a key: add "secret" to the route and store its key';
    case 'no-key':
      return `no key is stored under "${route.secret}": set it (VS Code: Context Gateway: Set API Key; CLI: the environment variable ${route.secret})`;
    case 'not_found':
      return route.provider === 'vscode-lm'
        ? 'the editor does not offer this model: check the route\'s vendor, family and model'
        : `the model "${route.model}" or the endpoint was not found: check the model name as ${route.provider} spells it, and the base URL`;
    case 'no-model':
      return 'the editor offers no model matching the route: check its vendor, family and model, and that the model provider is installed and signed in';
    case 'bad_request':
      return route.provider === 'openai-compatible'
        ? 'the endpoint refused the request: check that the base URL is an OpenAI-compatible /v1 endpoint and that the model supports what was asked'
        : 'the provider refused the request: check the model supports tools and streaming, and the route\'s settings';
    case 'malformed':
      return `the base URL answered in a format that is not ${route.provider}'s: check baseUrl${route.provider === 'openai-compatible' ? ' (it must be OpenAI-compatible, usually ending in /v1)' : ''}`;
    case 'connection':
    case 'timeout':
      return `the route could not be reached in time: check baseUrl (${route.baseUrl || 'the default'}), the network and the proxy`;
    case 'rate_limited':
    case 'quota_exhausted':
      return 'the route is rate limited or out of quota: run the drill again later, or raise the plan\'s limits';
    case 'overloaded':
    case 'server_error':
      return 'the provider failed on its side: run the drill again later; if it persists, this route is your weak link';
    case 'truncated_stream':
      return 'the stream was cut before its end: a proxy may be buffering or closing streamed responses';
    case 'context-window':
      return 'the route\'s context window is set too small for even the drill\'s tiny request: check contextWindow';
    case 'over-budget':
      return 'the money budget does not allow this call: raise the limit, or resume, and run the drill again';
    case 'editor-only':
      return 'editor models are drilled from VS Code (Context Gateway: Run Failover Drill)';
    case 'no-tool-call':
      return 'the model answered without calling the tool: pick a model with tool calling, or a key whose plan allows tools';
    case 'no-usage':
      return 'the provider reported no token usage: spend on this route is counted at its worst case (some OpenAI-compatible servers need stream usage turned on)';
    default:
      return 'see the provider\'s message';
  }
}
