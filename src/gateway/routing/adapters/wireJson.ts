// Reading provider JSON defensively: a body that is not what the format promises is a
// `malformed` failure (fail over), never an exception of some other kind.
import { ProviderError } from '../failures';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON if the text is JSON, else undefined: for error bodies, which may be anything (a proxy's HTML). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses text that must be a JSON object; anything else throws ProviderError `malformed`. */
export function parseJsonObject(text: string, what: string, inBody = true): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`${what} is not JSON (it starts with ${JSON.stringify(text.slice(0, 40))}).`, inBody);
  }
  if (!isObject(value)) throw malformed(`${what} is JSON but not an object.`, inBody);
  return value;
}

/** Tool-call arguments as the IR holds them, or undefined when they are not a complete JSON object. */
export function parseToolArguments(text: string): Record<string, unknown> | undefined {
  // Some servers send no argument text at all for a call without parameters.
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function malformed(message: string, inBody = true): ProviderError {
  return new ProviderError({ kind: 'malformed', message, inBody });
}

/** A string field, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number field, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
