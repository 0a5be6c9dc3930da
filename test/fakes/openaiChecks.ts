// Request checks of OpenAI's Chat Completions API (and, stricter on fields, of an
// OpenAI-compatible gateway), with the error messages the real API answers.
import { isObj, Rejection, type Accepted, type CheckOptions, type FakeHttpRequest } from './dialect';

export type OpenAiFlavor = 'openai' | 'openai-compatible';

const OPENAI_FIELDS = new Set([
  'model', 'messages', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n', 'parallel_tool_calls', 'prediction',
  'presence_penalty', 'prompt_cache_key', 'reasoning_effort', 'response_format', 'safety_identifier', 'seed',
  'service_tier', 'stop', 'store', 'stream', 'stream_options', 'temperature', 'tool_choice', 'tools',
  'top_logprobs', 'top_p', 'user', 'verbosity', 'web_search_options',
]);

/** The fields every gateway knows; the strictest ones refuse anything else (OpenAI-only extras). */
const COMPATIBLE_FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'temperature', 'top_p', 'stream', 'stream_options', 'tools', 'tool_choice',
  'stop', 'seed', 'response_format', 'frequency_penalty', 'presence_penalty', 'n', 'user',
]);

const MESSAGE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  system: ['role', 'content', 'name'],
  developer: ['role', 'content', 'name'],
  user: ['role', 'content', 'name'],
  assistant: ['role', 'content', 'name', 'tool_calls', 'refusal', 'audio', 'function_call'],
  tool: ['role', 'content', 'tool_call_id'],
  function: ['role', 'content', 'name'],
};

/** The body OpenAI answers errors with; gateways (OpenRouter) use {message, code: status}. */
export function openAiErrorBody(flavor: OpenAiFlavor, status: number, message: string, param: string | null = null, code: string | null = null, type = 'invalid_request_error'): unknown {
  return flavor === 'openai' ? { error: { message, type, param, code } } : { error: { message, code: status } };
}

function reject(flavor: OpenAiFlavor, message: string, param: string | null = null, code: string | null = null, status = 400): never {
  throw new Rejection(status, openAiErrorBody(flavor, status, message, param, code), message);
}

function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model) && !/chat/.test(model);
}

function mask(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function checkAuth(flavor: OpenAiFlavor, request: FakeHttpRequest, key: string | null): void {
  if (key === null) return;
  const header = request.headers.authorization;
  if (!header) {
    reject(flavor, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null, null, 401);
  }
  const given = /^Bearer (.+)$/.exec(header)?.[1] ?? '';
  if (given !== key) reject(flavor, `Incorrect API key provided: ${mask(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`, null, 'invalid_api_key', 401);
}

function checkContent(flavor: OpenAiFlavor, m: Record<string, unknown>, i: number, required: boolean): void {
  const c = m.content;
  if (c === undefined || c === null) {
    if (required) reject(flavor, "Invalid value for 'content': expected a string, got null.", `messages.[${i}].content`);
    return;
  }
  if (typeof c === 'string') return;
  if (!Array.isArray(c) || !c.every((p) => isObj(p) && typeof p.type === 'string')) {
    reject(flavor, `Invalid type for 'messages[${i}].content': expected one of a string or array of objects, but got ${typeof c} instead.`, `messages[${i}].content`, 'invalid_type');
  }
}

function checkToolCalls(flavor: OpenAiFlavor, calls: unknown, i: number): string[] {
  if (!Array.isArray(calls) || calls.length === 0) {
    reject(flavor, `Invalid 'messages[${i}].tool_calls': empty array. Expected an array with minimum length 1, but got an empty array instead.`, `messages[${i}].tool_calls`, 'empty_array');
  }
  return calls.map((call, j) => {
    const where = `messages[${i}].tool_calls[${j}]`;
    if (!isObj(call) || call.type !== 'function' || !isObj(call.function)) reject(flavor, `Missing required parameter: '${where}.function'.`, `${where}.function`, 'missing_required_parameter');
    if (typeof call.id !== 'string' || call.id === '') reject(flavor, `Missing required parameter: '${where}.id'.`, `${where}.id`, 'missing_required_parameter');
    if (call.id.length > 40) {
      reject(flavor, `Invalid '${where}.id': string too long. Expected a string with maximum length 40, but got a string with length ${call.id.length} instead.`, `${where}.id`, 'string_above_max_length');
    }
    if (typeof call.function.name !== 'string' || typeof call.function.arguments !== 'string') {
      reject(flavor, `Invalid '${where}.function': 'name' and 'arguments' must be strings.`, `${where}.function`, 'invalid_type');
    }
    return call.id;
  });
}

/** Roles and fields of each message, and the rule that every tool call is answered before the next turn. */
function checkMessages(flavor: OpenAiFlavor, messages: unknown): void {
  if (!Array.isArray(messages) || messages.length === 0) {
    reject(flavor, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  let pending: { index: number; ids: Set<string> } | undefined;
  let answerable: Set<string> | undefined;
  messages.forEach((m, i) => {
    if (!isObj(m)) reject(flavor, `Invalid type for 'messages[${i}]': expected an object, but got ${typeof m} instead.`, `messages[${i}]`, 'invalid_type');
    const role = String(m.role);
    const allowed = MESSAGE_FIELDS[role];
    if (!allowed) {
      reject(flavor, `Invalid value: '${role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, `messages[${i}].role`, 'invalid_value');
    }
    for (const key of Object.keys(m)) {
      if (!allowed.includes(key)) reject(flavor, `Unrecognized request argument supplied: messages[${i}].${key}`, `messages[${i}].${key}`, 'unknown_parameter');
    }
    if (role === 'tool') {
      if (typeof m.tool_call_id !== 'string') reject(flavor, "Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.", `messages.[${i}].tool_call_id`);
      if (!answerable) reject(flavor, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`);
      if (!answerable.has(m.tool_call_id)) reject(flavor, `Invalid parameter: 'tool_call_id' of '${m.tool_call_id}' not found in 'tool_calls' of previous message.`, `messages.[${i}].tool_call_id`);
      pending?.ids.delete(m.tool_call_id);
      checkContent(flavor, m, i, true);
      return;
    }
    if (pending && pending.ids.size > 0) {
      reject(flavor, `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending.ids].join(', ')}`, `messages.[${pending.index}].role`);
    }
    pending = undefined;
    answerable = undefined;
    if (role === 'assistant' && m.tool_calls !== undefined) {
      const ids = checkToolCalls(flavor, m.tool_calls, i);
      pending = { index: i, ids: new Set(ids) };
      answerable = new Set(ids);
      checkContent(flavor, m, i, false);
    } else {
      checkContent(flavor, m, i, true);
    }
  });
  if (pending && pending.ids.size > 0) {
    reject(flavor, `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending.ids].join(', ')}`, `messages.[${pending.index}].role`);
  }
}

function checkTools(flavor: OpenAiFlavor, tools: unknown): void {
  if (!Array.isArray(tools)) reject(flavor, "Invalid type for 'tools': expected an array of objects.", 'tools', 'invalid_type');
  tools.forEach((tool, i) => {
    if (!isObj(tool) || tool.type !== 'function' || !isObj(tool.function)) reject(flavor, `Missing required parameter: 'tools[${i}].function'.`, `tools[${i}].function`, 'missing_required_parameter');
    const fn = tool.function;
    for (const key of Object.keys(fn)) {
      if (!['name', 'description', 'parameters', 'strict'].includes(key)) reject(flavor, `Unrecognized request argument supplied: tools[${i}].function.${key}`, `tools[${i}].function.${key}`, 'unknown_parameter');
    }
    if (typeof fn.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(fn.name)) {
      reject(flavor, `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `tools[${i}].function.name`, 'invalid_value');
    }
    if (fn.parameters !== undefined && (!isObj(fn.parameters) || (fn.parameters.type !== undefined && fn.parameters.type !== 'object'))) {
      reject(flavor, `Invalid schema for function '${fn.name}': schema must be a JSON Schema of 'type: "object"', got 'type: "${String(isObj(fn.parameters) ? fn.parameters.type : fn.parameters)}"'.`, `tools[${i}].function.parameters`, 'invalid_function_parameters');
    }
  });
}

/** Checks one Chat Completions request; throws the Rejection the real endpoint would answer. */
export function checkOpenAiRequest(flavor: OpenAiFlavor, basePath: string, request: FakeHttpRequest, options: CheckOptions): Accepted {
  if (request.method !== 'POST' || request.path !== `${basePath}/chat/completions`) {
    reject(flavor, `Invalid URL (${request.method} ${request.path})`, null, null, 404);
  }
  checkAuth(flavor, request, options.key);
  let body: unknown;
  try {
    body = (request.headers['content-type'] ?? '').includes('application/json') ? JSON.parse(request.rawBody) : undefined;
  } catch {
    body = undefined;
  }
  if (!isObj(body)) reject(flavor, 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.');
  const fields = flavor === 'openai' ? OPENAI_FIELDS : COMPATIBLE_FIELDS;
  for (const key of Object.keys(body)) if (!fields.has(key)) reject(flavor, `Unrecognized request argument supplied: ${key}`);
  if (typeof body.model !== 'string' || body.model === '') reject(flavor, 'you must provide a model parameter');
  if (options.models && !options.models.includes(body.model)) {
    reject(flavor, `The model \`${body.model}\` does not exist or you do not have access to it.`, null, 'model_not_found', 404);
  }
  checkMessages(flavor, body.messages);
  if (body.tools !== undefined) checkTools(flavor, body.tools);
  if (body.stream !== undefined && typeof body.stream !== 'boolean') reject(flavor, "Invalid type for 'stream': expected a boolean.", 'stream', 'invalid_type');
  if (body.stream_options !== undefined && body.stream !== true) reject(flavor, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const v = body[field];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) reject(flavor, `Invalid '${field}': integer below minimum value. Expected a value >= 1.`, field, 'integer_below_min_value');
  }
  if (flavor === 'openai' && isReasoningModel(body.model)) {
    if (body.max_tokens !== undefined) {
      reject(flavor, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", 'max_tokens', 'unsupported_parameter');
    }
    if (body.temperature !== undefined && body.temperature !== 1) {
      reject(flavor, `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`, 'temperature', 'unsupported_value');
    }
  }
  const t = body.temperature;
  if (t !== undefined && (typeof t !== 'number' || t < 0 || t > 2)) reject(flavor, `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got ${String(t)} instead.`, 'temperature', 'decimal_above_max_value');
  const includeUsage = isObj(body.stream_options) && body.stream_options.include_usage === true;
  return { model: body.model, stream: body.stream === true, includeUsage };
}
