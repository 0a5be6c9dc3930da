import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BpeRanks } from '../../src/context/bpeRanks';
import { TokenBudget } from '../../src/context/budget';
import { budgetTokens, DEFAULT_SAFETY_FACTOR, encodingForModel } from '../../src/context/modelEncoding';
import { TokenCounter } from '../../src/context/tokenCounter';
import { loadTokenCounter } from '../../src/context/tokenCounters';
import { Encoders, loadRankTable, type EncodingName } from '../../src/context/tokens';
import { ASSETS_DIR, REPO_ROOT } from './assets';
import { pythonModuleFiles } from './referenceSpans';

// js-tiktoken's own encoder is the reference: the fast counter must give its counts.
const reference = new Encoders(ASSETS_DIR);
const exact = (text: string, encoding: EncodingName) => reference.get(encoding).encode(text, [], []).length;

const REAL_FILES = [
  'node_modules/minimatch/dist/commonjs/index.js',
  'node_modules/undici/lib/web/fetch/index.js',
  'node_modules/@types/node/crypto.d.ts',
  'node_modules/typescript/lib/typescript.d.ts',
  // Japanese and Chinese text: multi-byte UTF-8 through the byte-level merges.
  'node_modules/typescript/lib/ja/diagnosticMessages.generated.json',
  'node_modules/typescript/lib/zh-cn/diagnosticMessages.generated.json',
].map((f) => join(REPO_ROOT, f));

describe('fast token counting', () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`gives exactly js-tiktoken's ${encoding} count on real files`, async () => {
      const counter = await loadTokenCounter(ASSETS_DIR, encoding);
      // The 11k-line typescript.d.ts once is enough: js-tiktoken's reference count is the slow part.
      const files = encoding === 'o200k_base' ? REAL_FILES : REAL_FILES.filter((f) => !f.endsWith('typescript.d.ts'));
      for (const file of [...files, ...pythonModuleFiles(['argparse', 'textwrap'])]) {
        const text = readFileSync(file, 'utf8');
        assert.equal(counter.count(text), exact(text, encoding), file);
      }
    });
  }

  it('counts special-token text as ordinary text instead of throwing', async () => {
    const counter = await loadTokenCounter(ASSETS_DIR, 'o200k_base');
    const text = 'const END = "<|endoftext|>";';
    assert.equal(counter.count(text), exact(text, 'o200k_base'));
  });

  it('never counts below the exact count on long runs it cuts, and stays close', async () => {
    const counter = await loadTokenCounter(ASSETS_DIR, 'o200k_base');
    const stress = ['a'.repeat(2_000), 'ab'.repeat(1_000), 'é'.repeat(1_500), '😀'.repeat(700), 'x'.repeat(300) + ' y'.repeat(50), '#'.repeat(1_000), 'A1'.repeat(800)];
    for (const text of stress) {
      const fast = counter.count(text);
      const slow = exact(text, 'o200k_base');
      assert.ok(fast >= slow && fast <= slow * 1.05 + 2, `${JSON.stringify(text.slice(0, 6))}… x${text.length}: ${fast} vs exact ${slow}`);
    }
  });

  it('keeps exact counts when its cache overflows again and again', () => {
    const table = loadRankTable(ASSETS_DIR, 'o200k_base');
    const tiny = new TokenCounter('o200k_base', BpeRanks.buildSync(table), table.pat_str, 64);
    const text = readFileSync(REAL_FILES[1]!, 'utf8');
    assert.equal(tiny.count(text), exact(text, 'o200k_base'));
    assert.equal(tiny.count(text), exact(text, 'o200k_base'));
  });

  it('builds the same ranks in slices as in one go', async () => {
    const table = loadRankTable(ASSETS_DIR, 'cl100k_base');
    const text = readFileSync(REAL_FILES[0]!, 'utf8');
    const sliced = new TokenCounter('cl100k_base', await BpeRanks.build(table), table.pat_str);
    const whole = new TokenCounter('cl100k_base', BpeRanks.buildSync(table), table.pat_str);
    assert.equal(sliced.count(text), whole.count(text));
  });

  it('builds one counter per encoding for the process', async () => {
    const [a, b] = await Promise.all([loadTokenCounter(ASSETS_DIR, 'o200k_base'), loadTokenCounter(ASSETS_DIR, 'o200k_base')]);
    assert.equal(a, b);
    assert.notEqual(a, await loadTokenCounter(ASSETS_DIR, 'cl100k_base'));
  });

  it('says which rank table is missing', async () => {
    await assert.rejects(loadTokenCounter('/nonexistent/assets', 'o200k_base'), /The o200k_base token ranks could not be loaded from \/nonexistent\/assets\/ranks: o200k_base\.js is missing\. Rebuild \(npm run build\)/);
  });
});

describe('counting rule per route', () => {
  it('uses each OpenAI model\'s own encoding and o200k with the safety factor for the rest', () => {
    const cases: Array<[Parameters<typeof encodingForModel>[0], string, EncodingName, number]> = [
      ['openai', 'gpt-4o-mini', 'o200k_base', 1], ['openai', 'gpt-4.1', 'o200k_base', 1], ['openai', 'gpt-5', 'o200k_base', 1],
      ['openai', 'o3-mini', 'o200k_base', 1], ['openai', 'o1', 'o200k_base', 1], ['openai', 'gpt-4-turbo', 'cl100k_base', 1],
      ['openai', 'gpt-3.5-turbo', 'cl100k_base', 1], ['openai', 'text-embedding-3-small', 'cl100k_base', 1],
      ['openai-compatible', 'openai/gpt-4o', 'o200k_base', 1], ['openai-compatible', 'deepseek-chat', 'o200k_base', DEFAULT_SAFETY_FACTOR],
      ['openai-compatible', 'anthropic/claude-sonnet-4', 'o200k_base', DEFAULT_SAFETY_FACTOR],
      ['anthropic', 'claude-sonnet-4-5', 'o200k_base', DEFAULT_SAFETY_FACTOR], ['gemini', 'gemini-2.5-pro', 'o200k_base', DEFAULT_SAFETY_FACTOR],
    ];
    for (const [provider, model, encoding, factor] of cases) assert.deepEqual(encodingForModel(provider, model), { encoding, factor }, `${provider} ${model}`);
    assert.deepEqual(encodingForModel('anthropic', 'claude-3-haiku', 1.5), { encoding: 'o200k_base', factor: 1.5 });
    assert.equal(encodingForModel('gemini', 'gemini-2.0-flash', 0.5).factor, 1, 'a factor below 1 would under-count');
  });

  it('applies the factor rounding up', () => {
    assert.equal(budgetTokens(100, 1), 100);
    assert.equal(budgetTokens(101, 1.25), 127);
  });
});

describe('a shared token budget', () => {
  it('draws down across charges and refuses to go below zero', () => {
    const budget = new TokenBudget(1_000);
    budget.charge(600);
    assert.deepEqual([budget.used, budget.remaining, budget.fits(400), budget.fits(401)], [600, 400, true, false]);
    assert.throws(() => budget.charge(401), /Charging 401 tokens to a budget with 400 left/);
    assert.throws(() => new TokenBudget(0), /positive number of tokens/);
  });
});
