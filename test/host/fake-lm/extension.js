// Test-only language models, registered through VS Code's finalized provider API
// (`vscode.lm.registerLanguageModelChatProvider`), so the host tests drive `vscode-lm` routes
// through the editor's real Language Model API. The tests script each answer (text, tool calls
// or a failure) and read what the models received; a request an editor model could not take
// (a tool result without its call, a tool call whose result never follows) is refused, as the
// providers behind real editor models refuse it.
'use strict';
const vscode = require('vscode');

const VENDOR = 'cg-fake';

/** The models this vendor offers: one with tool calling and a roomy window, one tiny. */
const MODELS = [
  { id: 'fake-large', name: 'Fake Large', family: 'fake-family', version: '1', maxInputTokens: 8000, maxOutputTokens: 1024, capabilities: { toolCalling: true } },
  { id: 'fake-tiny', name: 'Fake Tiny', family: 'fake-tiny-family', version: '1', maxInputTokens: 60, maxOutputTokens: 256, capabilities: { toolCalling: false } },
];

/** Roughly one token per four characters: enough for the tests, and different from tiktoken. */
const countText = (text) => Math.ceil(text.length / 4);

function plainPart(part) {
  if (part instanceof vscode.LanguageModelTextPart) return { type: 'text', text: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart) return { type: 'tool_call', callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelToolResultPart) {
    const content = part.content.map((c) => (c instanceof vscode.LanguageModelTextPart ? c.value : JSON.stringify(c))).join('');
    return { type: 'tool_result', callId: part.callId, content };
  }
  return { type: 'unknown', value: JSON.stringify(part) };
}

function roleName(role) {
  if (role === vscode.LanguageModelChatMessageRole.User) return 'user';
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  return `role-${role}`;
}

/** What the request would be refused for, or undefined. */
function problemOf(messages, tools) {
  if (messages.length === 0) return 'no messages';
  const open = new Set();
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages[${i}] has role ${m.role}`;
    if (m.parts.length === 0) return `messages[${i}] has no content`;
    for (const p of m.parts) {
      if (p.type === 'unknown') return `messages[${i}] has a part of an unknown kind: ${p.value}`;
      if (p.type === 'tool_call') {
        if (m.role !== 'assistant') return `messages[${i}]: a tool call in a ${m.role} message`;
        if (!p.callId || typeof p.input !== 'object' || p.input === null) return `messages[${i}]: a tool call without an id or an object input`;
        open.add(p.callId);
      }
      if (p.type === 'tool_result') {
        if (m.role !== 'user') return `messages[${i}]: a tool result in a ${m.role} message`;
        if (!open.delete(p.callId)) return `messages[${i}]: a tool result for call "${p.callId}", which no earlier assistant message made`;
      }
    }
    if (m.role === 'user' && open.size > 0 && i > 0 && messages[i - 1].parts.some((p) => p.type === 'tool_call')) {
      return `messages[${i}]: no result for tool call(s) ${[...open].join(', ')}`;
    }
  }
  if (open.size > 0) return `tool call(s) ${[...open].join(', ')} have no result`;
  for (const t of tools) {
    if (!/^[\w-]{1,64}$/.test(t.name)) return `tool name "${t.name}" is not allowed`;
    if (t.inputSchema !== undefined && (typeof t.inputSchema !== 'object' || t.inputSchema.type !== 'object')) return `tool "${t.name}" has an input schema that is not an object schema`;
  }
  return undefined;
}

/** A failure as the editor's models raise them. */
function failure(kind, message) {
  switch (kind) {
    case 'no-permissions': return vscode.LanguageModelError.NoPermissions(message);
    case 'not-found': return vscode.LanguageModelError.NotFound(message);
    case 'blocked': return vscode.LanguageModelError.Blocked(message);
    default: return new Error(message);
  }
}

function activate() {
  const requests = [];
  const steps = [];
  const provider = {
    provideLanguageModelChatInformation: () => MODELS,
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const plain = messages.map((m) => ({ role: roleName(m.role), parts: m.content.map(plainPart) }));
      const tools = (options.tools ?? []).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
      const request = { model: model.id, messages: plain, tools, modelOptions: options.modelOptions ?? {} };
      requests.push(request);
      const problem = problemOf(plain, tools);
      if (problem) {
        request.refused = problem;
        throw new Error(`Invalid request: ${problem}`);
      }
      const step = steps.shift() ?? { text: 'fake model: no answer scripted' };
      if (step.error) throw failure(step.error, step.message ?? step.error);
      if (step.hang) {
        await new Promise((resolve) => token.onCancellationRequested(resolve));
        throw new vscode.CancellationError();
      }
      for (const piece of [].concat(step.text ?? [])) progress.report(new vscode.LanguageModelTextPart(piece));
      for (const call of step.toolCalls ?? []) progress.report(new vscode.LanguageModelToolCallPart(call.callId, call.name, call.input));
      if (step.errorAfterText) throw failure(step.errorAfterText, step.message ?? step.errorAfterText);
    },
    async provideTokenCount(_model, text) {
      if (typeof text === 'string') return countText(text);
      return text.content.reduce((n, p) => n + countText(JSON.stringify(plainPart(p))), 0);
    },
  };
  const registration = vscode.lm.registerLanguageModelChatProvider(VENDOR, provider);
  return {
    vendor: VENDOR,
    models: MODELS,
    requests,
    /** Queues what the next requests get, in order. */
    script(...next) {
      steps.push(...next);
    },
    reset() {
      requests.length = 0;
      steps.length = 0;
    },
    dispose: () => registration.dispose(),
  };
}

module.exports = { activate };
