// Request checks of the Gemini API (generateContent / streamGenerateContent), with the error
// messages and google.rpc.Status bodies the real API answers.
import { isObj, Rejection, type Accepted, type CheckOptions, type FakeHttpRequest } from './dialect';

export function geminiErrorBody(code: number, status: string, message: string, details?: unknown[]): unknown {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

function reject(message: string, status = 400, rpcStatus = 'INVALID_ARGUMENT', details?: unknown[]): never {
  throw new Rejection(status, geminiErrorBody(status, rpcStatus, message, details), message);
}

function unknownName(name: string, at: string): never {
  const message = at ? `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.` : `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`;
  reject(message, 400, 'INVALID_ARGUMENT', [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: at, description: message }] }]);
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Proto JSON takes camelCase and snake_case field names; anything else is an unknown name. */
function known(object: Record<string, unknown>, fields: readonly string[], at: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (!fields.includes(camel(key))) unknownName(key, at);
    out[camel(key)] = value;
  }
  return out;
}

const TOP = ['contents', 'tools', 'toolConfig', 'safetySettings', 'systemInstruction', 'generationConfig', 'cachedContent'];
const CONTENT = ['role', 'parts'];
const PART = ['text', 'inlineData', 'functionCall', 'functionResponse', 'fileData', 'executableCode', 'codeExecutionResult', 'thought', 'thoughtSignature', 'videoMetadata', 'partMetadata'];
const PART_DATA = ['text', 'inlineData', 'functionCall', 'functionResponse', 'fileData', 'executableCode', 'codeExecutionResult'];
const GENERATION = [
  'stopSequences', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'responseModalities', 'candidateCount', 'maxOutputTokens',
  'temperature', 'topP', 'topK', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs', 'thinkingConfig', 'mediaResolution',
];
const TOOL = ['functionDeclarations', 'googleSearchRetrieval', 'codeExecution', 'googleSearch', 'urlContext'];
const DECLARATION = ['name', 'description', 'behavior', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema'];
const SCHEMA = [
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties',
  'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
];
const TYPES = ['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'];

/** The dummy signature Gemini 3 accepts for calls it did not make. */
export const SIGNATURE_BYPASS = ['skip_thought_signature_validator', 'context_engineering_is_the_way_to_go'];

function checkSchema(schema: unknown, at: string): void {
  if (!isObj(schema)) reject(`Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Schema), ${JSON.stringify(schema)}`);
  const s = known(schema, SCHEMA, at);
  if (s.type !== undefined && !(typeof s.type === 'string' && TYPES.includes(s.type.toUpperCase()))) {
    reject(`Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(s.type)}`);
  }
  if (s.properties !== undefined) {
    if (!isObj(s.properties)) reject(`Invalid value at '${at}.properties', ${JSON.stringify(s.properties)}`);
    Object.entries(s.properties).forEach(([, value], i) => checkSchema(value, `${at}.properties[${i}].value`));
  }
  if (s.items !== undefined) checkSchema(s.items, `${at}.items`);
  if (s.anyOf !== undefined) (Array.isArray(s.anyOf) ? s.anyOf : [s.anyOf]).forEach((v, i) => checkSchema(v, `${at}.any_of[${i}]`));
  if (s.enum !== undefined && !(Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string'))) reject(`Invalid value at '${at}.enum[0]' (TYPE_STRING), ${JSON.stringify(s.enum)}`);
}

function checkTools(tools: unknown): void {
  if (!Array.isArray(tools)) reject("Invalid value at 'tools', expected a list");
  tools.forEach((tool, i) => {
    if (!isObj(tool)) reject(`Invalid value at 'tools[${i}]'`);
    const t = known(tool, TOOL, `tools[${i}]`);
    (Array.isArray(t.functionDeclarations) ? t.functionDeclarations : []).forEach((d, j) => {
      const at = `tools[${i}].function_declarations[${j}]`;
      if (!isObj(d)) reject(`Invalid value at '${at}'`);
      const decl = known(d, DECLARATION, at);
      if (typeof decl.name !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/.test(decl.name)) {
        reject(`* GenerateContentRequest.${at}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`);
      }
      if (decl.parameters !== undefined && decl.parametersJsonSchema !== undefined) reject(`* GenerateContentRequest.${at}: parameters and parameters_json_schema are mutually exclusive.\n`);
      if (decl.parameters !== undefined) {
        checkSchema(decl.parameters, `${at}.parameters`);
        const p = decl.parameters as Record<string, unknown>;
        if (String(p.type).toUpperCase() === 'OBJECT' && !(isObj(p.properties) && Object.keys(p.properties).length > 0)) {
          reject(`* GenerateContentRequest.${at}.parameters.properties: should be non-empty for OBJECT type\n`);
        }
      }
    });
  });
}

type Part = Record<string, unknown>;

function checkParts(parts: unknown, at: string): Part[] {
  if (!Array.isArray(parts) || parts.length === 0) reject(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.\n`);
  return parts.map((part, j) => {
    if (!isObj(part)) reject(`Invalid value at '${at}.parts[${j}]'`);
    const p = known(part, PART, `${at}.parts[${j}]`);
    const data = PART_DATA.filter((k) => p[k] !== undefined);
    if (data.length !== 1) reject(`* GenerateContentRequest.${at}.parts[${j}].data: required oneof field 'data' must have one initialized field\n`);
    if (p.functionCall !== undefined) {
      if (!isObj(p.functionCall)) reject(`Invalid value at '${at}.parts[${j}].function_call'`);
      p.functionCall = known(p.functionCall, ['id', 'name', 'args'], `${at}.parts[${j}].function_call`);
    }
    if (p.functionResponse !== undefined) {
      if (!isObj(p.functionResponse)) reject(`Invalid value at '${at}.parts[${j}].function_response'`);
      const r = known(p.functionResponse, ['id', 'name', 'response', 'willContinue', 'scheduling', 'parts'], `${at}.parts[${j}].function_response`);
      if (!isObj(r.response)) reject(`Invalid value at '${at}.parts[${j}].function_response.response' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(r.response)}`);
      p.functionResponse = r;
    }
    return p;
  });
}

const calls = (parts: Part[]) => parts.filter((p) => isObj(p.functionCall));
const responses = (parts: Part[]) => parts.filter((p) => isObj(p.functionResponse));
const names = (list: Part[], key: 'functionCall' | 'functionResponse') => list.map((p) => String((p[key] as Part).name)).sort().join(',');

/** Turn order and call/response pairing, and Gemini 3's thought signatures in the current turn. */
function checkTurns(contents: Array<{ role: string; parts: Part[] }>, model: string): void {
  if (contents[0]?.role !== 'user') reject("Please ensure that multiturn requests start with a user turn (the first content has role 'model').");
  contents.forEach((c, i) => {
    const previous = contents[i - 1];
    if (c.role === 'model' && calls(c.parts).length > 0) {
      if (previous?.role !== 'user') reject('Please ensure that function call turn comes immediately after a user turn or after a function response turn.');
      const next = contents[i + 1];
      const answers = next?.role === 'user' ? responses(next.parts) : [];
      if (answers.length !== calls(c.parts).length) reject('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
      if (names(answers, 'functionResponse') !== names(calls(c.parts), 'functionCall')) reject('Please ensure that the function response parts answer the function calls of the function call turn by name.');
    }
    if (c.role === 'user' && responses(c.parts).length > 0 && !(previous?.role === 'model' && calls(previous.parts).length > 0)) {
      reject('Please ensure that function response turn comes immediately after a function call turn.');
    }
  });
  if (!/^gemini-3/.test(model)) return;
  // The current turn starts after the last user content that is more than function responses.
  let start = 0;
  contents.forEach((c, i) => {
    if (c.role === 'user' && c.parts.some((p) => typeof p.text === 'string')) start = i + 1;
  });
  for (let i = start; i < contents.length; i++) {
    const first = calls((contents[i] as { parts: Part[] }).parts)[0];
    if (contents[i]?.role === 'model' && first && !(typeof first.thoughtSignature === 'string' && first.thoughtSignature !== '')) {
      reject(
        `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String((first.functionCall as Part).name)}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      );
    }
  }
}

/** Checks one generateContent request; throws the Rejection the real endpoint would answer. */
export function checkGeminiRequest(request: FakeHttpRequest, options: CheckOptions): Accepted {
  const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(request.path);
  if (request.method !== 'POST' || !m) reject(`The requested URL ${request.path} was not found on this server.`, 404, 'NOT_FOUND');
  const model = decodeURIComponent(m[1] as string);
  if (options.key !== null) {
    const key = request.headers['x-goog-api-key'] ?? request.query.key;
    if (!key) reject("Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.", 403, 'PERMISSION_DENIED');
    if (key !== options.key) {
      reject('API key not valid. Please pass a valid API key.', 400, 'INVALID_ARGUMENT', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]);
    }
  }
  if (options.models && !options.models.includes(model)) {
    reject(`models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`, 404, 'NOT_FOUND');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(request.rawBody);
  } catch {
    reject('Invalid JSON payload received. Unexpected token.');
  }
  if (!isObj(raw)) reject('Invalid JSON payload received. Expected an object.');
  const body = known(raw, TOP, '');
  if (!Array.isArray(body.contents) || body.contents.length === 0) reject('* GenerateContentRequest.contents: contents is not specified\n');
  const contents = body.contents.map((c, i) => {
    if (!isObj(c)) reject(`Invalid value at 'contents[${i}]'`);
    const content = known(c, CONTENT, `contents[${i}]`);
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model') reject('Please use a valid role: user, model.');
    return { role: role as string, parts: checkParts(content.parts, `contents[${i}]`) };
  });
  if (body.systemInstruction !== undefined) {
    if (!isObj(body.systemInstruction)) reject("Invalid value at 'system_instruction'");
    checkParts(known(body.systemInstruction, CONTENT, 'system_instruction').parts, 'system_instruction');
  }
  if (body.generationConfig !== undefined) {
    if (!isObj(body.generationConfig)) reject("Invalid value at 'generation_config'");
    const g = known(body.generationConfig, GENERATION, 'generation_config');
    if (g.maxOutputTokens !== undefined && !Number.isInteger(g.maxOutputTokens)) reject(`Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(g.maxOutputTokens)}`);
    if (g.temperature !== undefined && (typeof g.temperature !== 'number' || g.temperature < 0 || g.temperature > 2)) {
      reject(`* GenerateContentRequest.generation_config.temperature: temperature must be in the range [0.0, 2.0]\n`);
    }
  }
  if (body.tools !== undefined) checkTools(body.tools);
  checkTurns(contents, model);
  return { model, stream: m[2] === 'streamGenerateContent', jsonArray: m[2] === 'streamGenerateContent' && request.query.alt !== 'sse' };
}
