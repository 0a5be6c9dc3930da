/** The kinds of secret the payload scan recognises, as shown in `[REDACTED:kind]`. */
export type SecretKind =
  | 'private-key'
  | 'aws-access-key'
  | 'aws-secret-key'
  | 'github-token'
  | 'anthropic-key'
  | 'openai-key'
  | 'google-api-key'
  | 'slack-token'
  | 'slack-webhook'
  | 'stripe-key'
  | 'huggingface-token'
  | 'gitlab-token'
  | 'npm-token'
  | 'sendgrid-key'
  | 'basic-auth'
  | 'keyed-blob'
  | 'bearer-token'
  | 'jwt'
  | 'connection-password'
  | 'connection-string-key'
  | 'assigned-secret';

/** A pattern (flag `d`, for group offsets) and which capture group is the secret (0: all of it). */
export interface SecretPattern {
  readonly kind: SecretKind;
  readonly regex: RegExp;
  readonly group: number;
  /** Rejects matches that only look like secrets (identifiers, placeholders). */
  readonly accept?: (value: string) => boolean;
}

/** Values that are code, not credentials: words, paths, templates, placeholders. */
function looksLikeCredential(value: string): boolean {
  if (/\s/.test(value) || /^(<|%|process\.env|os\.environ)/.test(value) || /\{\d*\}|\{\{|\$\{|%[sdr]/.test(value)) return false;
  if (/^[a-z_.-]+$/.test(value) || /^[A-Z_]+$/.test(value)) return false; // a word or a constant name
  if (/^(x+|\*+|\.+|changeme|placeholder|your[-_].*|example.*|dummy|test|null|none|undefined)$/i.test(value)) return false;
  return /[0-9]/.test(value) || /[^A-Za-z0-9]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value));
}

// Specific token formats first: where two patterns overlap, the earlier one names the kind.
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: 'private-key', group: 0, regex: /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/dg },
  { kind: 'aws-access-key', group: 0, regex: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/dg },
  { kind: 'aws-secret-key', group: 2, regex: /(aws_?secret(?:_?access)?_?key|secret_?access_?key)["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi },
  { kind: 'github-token', group: 0, regex: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/dg },
  { kind: 'anthropic-key', group: 0, regex: /\bsk-ant-[A-Za-z0-9_-]{20,}/dg },
  { kind: 'openai-key', group: 0, regex: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/dg, accept: (v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v.slice(3)) },
  { kind: 'google-api-key', group: 0, regex: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/dg },
  { kind: 'slack-webhook', group: 0, regex: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+/dg },
  { kind: 'slack-token', group: 0, regex: /\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})/dg },
  { kind: 'gitlab-token', group: 0, regex: /\bglpat-[A-Za-z0-9_-]{20,}/dg },
  { kind: 'npm-token', group: 0, regex: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/dg },
  { kind: 'sendgrid-key', group: 0, regex: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}/dg },
  { kind: 'stripe-key', group: 0, regex: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/dg },
  { kind: 'huggingface-token', group: 0, regex: /\bhf_[A-Za-z0-9]{30,}\b/dg },
  { kind: 'jwt', group: 0, regex: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/dg },
  // Authorization: Bearer <token>: the token goes.
  { kind: 'bearer-token', group: 1, regex: /\bBearer\s+([A-Za-z0-9._~+/-]{20,}=*)/dg, accept: (v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v) },
  // Authorization: Token <token> / Basic <base64 of user:password>: the value goes, a word stays.
  { kind: 'basic-auth', group: 1, regex: /\b(?:Token|Basic)\s+([A-Za-z0-9._~+/-]{12,}=*)/dg, accept: (v) => /[0-9]/.test(v) || (/[a-z]/.test(v) && /[A-Z]/.test(v)) },
  // Password=...; AccountKey=...; in ADO.NET, Azure and ODBC connection strings.
  // Only inside a `key=value;key=value` string: after a `;` or a quote, before a `;` or a quote.
  { kind: 'connection-string-key', group: 2, regex: /(?<=[;"'`])\s*(Password|Pwd|AccountKey|SharedAccessKey|SharedAccessSignature)=([^;"'`\s]{4,})(?=[;"'`])/dgi, accept: (v) => !/^(\$\{|\{\{|<|%)/.test(v) },
  // scheme://user:password@host: only the password goes.
  // The user may be empty (`redis://:password@host`).
  { kind: 'connection-password', group: 2, regex: /\b([a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"`]*:)([^\s@/'"`]{3,})@/dgi, accept: (v) => !/^(\$\{|\{\{|<|%)/.test(v) },
  // password = "...", apiKey: '...', "client_secret": "...": the name stays, the value goes.
  {
    kind: 'assigned-secret',
    group: 3,
    // A fallback after `||` or `??` (`password: process.env.X || "Winter2024"`) is a value too.
    regex: /\b([A-Za-z0-9_-]*(?:password|passwd|passphrase|\bpass\b|pwd|secret|token|api[_-]?key|apikey|access_?key|private_?key|auth_?key|aws_?key|credentials?)[A-Za-z0-9_-]*)["']?\s*(?::=|=>|:|=)\s*(?:[\w.$\[\]'"]+\s*(?:\|\||\?\?|\bor\b)\s*)?(["'`])([^"'`\r\n]{4,200})\2/dgi,
    accept: looksLikeCredential,
  },
  // A 64-digit hex value or a long base64 blob assigned to a key-, salt- or signature-like name.
  {
    kind: 'keyed-blob',
    group: 3,
    regex: /\b([A-Za-z0-9_]*(?:key|salt|hmac|signature|nonce|seed)[A-Za-z0-9_]*)["']?\s*(?::=|=>|:|=)\s*(["'`])((?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{32,}={0,2}))\2/dgi,
    accept: (v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v),
  },
];
