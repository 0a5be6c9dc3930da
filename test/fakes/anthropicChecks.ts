// Request checks of Anthropic's Messages API, with the error messages the real API answers.
import { isObj, Rejection, type Accepted, type CheckOptions, type FakeHttpRequest } from './dialect';

const FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_k', 'top_p',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'context_management',
]);

const BLOCK_FIELDS: Readonly<Record<string, readonly string[]>> = {
  text: ['type', 'text', 'cache_control', 'citations'],
  image: ['type', 'source', 'cache_control'],
  document: ['type', 'source', 'cache_control', 'title', 'context', 'citations'],
  tool_use: ['type', 'id', 'name', 'input', 'cache_control'],
  tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
  thinking: ['type', 'thinking', 'signature'],
  redacted_thinking: ['type', 'data'],
};

export function anthropicErrorBody(type: string, message: string): unknown {
  return { type: 'error', error: { type, message }, request_id: `req_fake${Math.random().toString(36).slice(2, 14)}` };
}

function reject(message: string, status = 400, type = 'invalid_request_error'): never {
  throw new Rejection(status, anthropicErrorBody(type, message), message);
}

/** Claude 4.6 and later refuse a final assistant turn. */
function refusesPrefill(model: string): boolean {
  const m = /claude-(?:(?:opus|sonnet|haiku)-)?(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  return major > 4 || (major === 4 && Number(m[2] ?? 0) >= 6);
}

type Block = Record<string, unknown>;

function blocksOf(content: unknown, i: number): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) reject(`messages.${i}.content: Input should be a valid list`);
  return content.map((block, j) => {
    if (!isObj(block) || typeof block.type !== 'string' || !BLOCK_FIELDS[block.type]) {
      reject(`messages.${i}.content.${j}: Input tag '${String(isObj(block) ? block.type : block)}' found using 'type' does not match any of the expected tags: ${Object.keys(BLOCK_FIELDS).map((t) => `'${t}'`).join(', ')}`);
    }
    for (const key of Object.keys(block)) {
      if (!(BLOCK_FIELDS[block.type] as readonly string[]).includes(key)) reject(`messages.${i}.content.${j}.${block.type}.${key}: Extra inputs are not permitted`);
    }
    return block;
  });
}

function checkBlock(block: Block, role: string, i: number, j: number, seenToolIds: Set<string>): void {
  const where = `messages.${i}.content.${j}`;
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string' || block.text === '') reject('messages: text content blocks must be non-empty');
      break;
    case 'tool_use':
      if (role !== 'assistant') reject(`${where}: \`tool_use\` blocks can only be in \`assistant\` messages`);
      if (typeof block.id !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(block.id)) reject(`${where}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (seenToolIds.has(block.id)) reject(`${where}: \`tool_use\` ids must be unique`);
      seenToolIds.add(block.id);
      if (typeof block.name !== 'string') reject(`${where}.tool_use.name: Field required`);
      if (!isObj(block.input)) reject(`${where}.tool_use.input: Input should be a valid dictionary`);
      break;
    case 'tool_result':
      if (role !== 'user') reject(`${where}: \`tool_result\` blocks can only be in \`user\` messages`);
      if (typeof block.tool_use_id !== 'string') reject(`${where}.tool_result.tool_use_id: Field required`);
      if (block.content !== undefined && typeof block.content !== 'string' && !Array.isArray(block.content)) reject(`${where}.tool_result.content: Input should be a valid string`);
      break;
    case 'thinking':
      if (role !== 'assistant') reject(`${where}: \`thinking\` blocks can only be in \`assistant\` messages`);
      if (typeof block.signature !== 'string' || block.signature === '') reject(`${where}.thinking.signature: Field required`);
      break;
    default:
      break;
  }
}

/** Every tool_use answered in the very next user turn, every tool_result answering the turn just before. */
function checkToolPairs(turns: Array<{ role: string; blocks: Block[] }>): void {
  turns.forEach((turn, i) => {
    const results = turn.blocks.filter((b) => b.type === 'tool_result');
    if (turn.role === 'user' && results.length > 0) {
      const firstOther = turn.blocks.findIndex((b) => b.type !== 'tool_result');
      const lastResult = turn.blocks.map((b) => b.type).lastIndexOf('tool_result');
      if (firstOther >= 0 && firstOther < lastResult) reject(`messages.${i}: \`tool_result\` blocks must come before any other content in a user message`);
      const previous = i > 0 ? turns[i - 1] : undefined;
      const uses = new Set(previous?.role === 'assistant' ? previous.blocks.filter((b) => b.type === 'tool_use').map((b) => b.id) : []);
      turn.blocks.forEach((b, j) => {
        if (b.type === 'tool_result' && !uses.has(b.tool_use_id)) {
          reject(`messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
        }
      });
    }
    const uses = turn.blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
    if (turn.role === 'assistant' && uses.length > 0) {
      const next = turns[i + 1];
      const answered = new Set(next?.role === 'user' ? next.blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id) : []);
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        reject(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
      }
    }
  });
}

function checkTools(tools: unknown): void {
  if (!Array.isArray(tools)) reject('tools: Input should be a valid list');
  const names = new Set<string>();
  tools.forEach((tool, i) => {
    if (!isObj(tool)) reject(`tools.${i}: Input should be a valid dictionary`);
    for (const key of Object.keys(tool)) {
      if (!['name', 'description', 'input_schema', 'cache_control', 'type'].includes(key)) reject(`tools.${i}.custom.${key}: Extra inputs are not permitted`);
    }
    if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) reject(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    if (names.has(tool.name)) reject('tools: Tool names must be unique.');
    names.add(tool.name);
    if (!isObj(tool.input_schema)) reject(`tools.${i}.custom.input_schema: Field required`);
    if (tool.input_schema.type !== 'object') reject(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
  });
}

/** Checks one Messages request; throws the Rejection the real endpoint would answer. */
export function checkAnthropicRequest(request: FakeHttpRequest, options: CheckOptions): Accepted {
  if (request.method !== 'POST' || request.path !== '/v1/messages') reject('Not Found', 404, 'not_found_error');
  if (options.key !== null) {
    const key = request.headers['x-api-key'];
    if (!key) reject('x-api-key header is required', 401, 'authentication_error');
    if (key !== options.key) reject('invalid x-api-key', 401, 'authentication_error');
  }
  const version = request.headers['anthropic-version'];
  if (!version) reject('anthropic-version: header is required');
  if (version !== '2023-06-01' && version !== '2023-01-01') reject(`anthropic-version: "${version}" is not a valid version`);
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    reject('There was an issue with the request body: the body is not valid JSON.');
  }
  if (!isObj(body)) reject('Input should be a valid dictionary');
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) reject(`${key}: Extra inputs are not permitted`);
  for (const key of ['model', 'max_tokens', 'messages']) if (body[key] === undefined) reject(`${key}: Field required`);
  if (typeof body.model !== 'string') reject('model: Input should be a valid string');
  if (options.models && !options.models.includes(body.model)) reject(`model: ${body.model}`, 404, 'not_found_error');
  if (!Number.isInteger(body.max_tokens)) reject('max_tokens: Input should be a valid integer');
  if ((body.max_tokens as number) < 1) reject('max_tokens: Input should be greater than or equal to 1');
  if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1)) {
    reject('temperature: Input should be less than or equal to 1');
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') reject('stream: Input should be a valid boolean');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) reject('system: Input should be a valid string');
  if (!Array.isArray(body.messages) || body.messages.length === 0) reject('messages: at least one message is required');
  const seenToolIds = new Set<string>();
  const messages: unknown[] = body.messages;
  const turns = messages.map((m, i) => {
    if (!isObj(m)) reject(`messages.${i}: Input should be a valid dictionary`);
    for (const key of Object.keys(m)) if (key !== 'role' && key !== 'content') reject(`messages.${i}.${key}: Extra inputs are not permitted`);
    if (m.role !== 'user' && m.role !== 'assistant') reject(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    const blocks = blocksOf(m.content, i);
    if (blocks.length === 0 && !(i === messages.length - 1 && m.role === 'assistant')) {
      reject(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    blocks.forEach((b, j) => checkBlock(b, m.role as string, i, j, seenToolIds));
    return { role: m.role, blocks };
  });
  if (turns[0]?.role !== 'user') reject('messages: first message must use the "user" role');
  checkToolPairs(turns);
  const last = turns[turns.length - 1];
  if (last?.role === 'assistant') {
    if (refusesPrefill(body.model)) reject('This model does not support assistant message prefill. The conversation must end with a user message.');
    const lastBlock = last.blocks[last.blocks.length - 1];
    if (lastBlock?.type === 'text' && /\s$/.test(String(lastBlock.text))) reject('messages: final assistant content cannot end with trailing whitespace');
  }
  if (body.tools !== undefined) checkTools(body.tools);
  const usesTools = turns.some((t) => t.blocks.some((b) => b.type === 'tool_use' || b.type === 'tool_result'));
  if (usesTools && !(Array.isArray(body.tools) && body.tools.length > 0)) reject('Requests which include `tool_use` or `tool_result` blocks must define tools.');
  return { model: body.model, stream: body.stream === true };
}
