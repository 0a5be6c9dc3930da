// The context engine's public surface, for the agent, the CLI and the VS Code layer.
export { ContextEngine, type ContextEngineOptions, type LocateRequest, type Location } from './engine';
export { AmbiguousSymbolError, isAmbiguousSymbolError, type SymbolCandidate } from './ambiguousSymbol';
export { DEFAULT_SEARCH_LIMITS, type SearchLimits } from './workspaceSearch';
export type { ExtractRequest, ExtractResult, PieceReport, RedactionReport, SymbolInfo } from './extraction';
export type { Selector } from './select';
export { UnknownSymbolError, isUnknownSymbolError } from './select';
export { TokenBudget, TargetOverBudgetError, isTargetOverBudgetError } from './budget';
export { ContextError, isContextError, UnreadableFileError, type ContextErrorCode } from './contextError';
export { DenyList, DeniedFileError, isDeniedFileError, type DenyListEntry, type DenyVerdict } from './denyList';
export { encodingForModel, budgetTokens, DEFAULT_SAFETY_FACTOR, type CountingRule } from './modelEncoding';
export { loadTokenCounter } from './tokenCounters';
export { lazyRouteTokenCounter, routeTokenCounter } from './routeCounter';
export type { TokenCounter } from './tokenCounter';
export { redactSecrets, type Redaction } from './secrets';
export type { OmittedPiece } from './payload';
export type { PieceRole } from './piece';
export type { EncodingName } from './tokens';
