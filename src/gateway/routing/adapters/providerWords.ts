// Provider error messages go to logs and the status bar: keep them short and free of keys.
// Some providers quote the key they refused (OpenAI: "Incorrect API key provided: sk-...").

const KEY_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_*-]{6,}/g, // OpenAI, Anthropic (sk-ant-...), DeepSeek, OpenRouter (sk-or-...)
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google API keys
  /\b(?:Bearer|key=)\s*[A-Za-z0-9._~+/=-]{12,}/gi,
];

const MAX_LENGTH = 300;

/** A provider's own words, with anything shaped like a key replaced, whitespace collapsed, capped. */
export function providerWords(message: string): string {
  let text = message.replace(/\s+/g, ' ').trim();
  for (const pattern of KEY_PATTERNS) text = text.replace(pattern, '[redacted]');
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

/** For a body that is not the provider's error JSON (an HTML page from a proxy, say). */
export function bodySnippet(status: number, body: string): string {
  const text = body.replace(/<[^>]*>/g, ' ');
  const words = providerWords(text);
  return words === '' ? `HTTP ${status} with an empty body` : `HTTP ${status}: ${words}`;
}
