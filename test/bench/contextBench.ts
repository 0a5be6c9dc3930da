import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BpeRanks } from '../../src/context/bpeRanks';
import { ContextEngine } from '../../src/context/engine';
import type { ExtractRequest } from '../../src/context/extraction';
import { TokenCounter } from '../../src/context/tokenCounter';
import { loadTokenCounter } from '../../src/context/tokenCounters';
import { Encoders, loadRankTable } from '../../src/context/tokens';

const REPO = resolve(__dirname, '../..');
const ASSETS = join(REPO, 'dist');
const { values } = parseArgs({
  options: { runs: { type: 'string' }, 'warm-runs': { type: 'string' }, 'repomix-runs': { type: 'string' }, 'memory-runs': { type: 'string' }, 'memory-only': { type: 'boolean' } },
});
const RUNS = Number(values.runs ?? 5);
const WARM_RUNS = Number(values['warm-runs'] ?? 20);
const REPOMIX_RUNS = Number(values['repomix-runs'] ?? 3);
const MEMORY_RUNS = Number(values['memory-runs'] ?? 1000);

const python = (module: string) => execFileSync('python3', ['-c', `import ${module} as m; print(m.__file__)`], { encoding: 'utf8' }).trim();

/**
 * Large real files (over 5k lines), one symbol each; the first is a multi-MB JavaScript bundle,
 * also measured with the whole-file parse that large files otherwise skip (the fallback path).
 */
const CASES: Array<{ file: string; symbol: string; wholeParse?: boolean }> = [
  { file: join(REPO, 'node_modules/typescript/lib/typescript.js'), symbol: 'createSourceFile' },
  { file: join(REPO, 'node_modules/typescript/lib/typescript.js'), symbol: 'createSourceFile', wholeParse: true },
  { file: join(REPO, 'node_modules/typescript/lib/typescript.d.ts'), symbol: 'ts.LanguageService.getCompletionsAtPosition' },
  { file: join(REPO, 'node_modules/typescript/lib/lib.dom.d.ts'), symbol: 'fetch' },
  { file: python('_pydecimal'), symbol: 'Decimal._rescale' },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function timed<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

/** Repomix --compress on the one file (copied alone into a temp folder): wall time and the file's text in its output. */
function repomix(file: string): { ms: number; text: string } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cg-repomix-'));
  try {
    copyFileSync(file, join(dir, basename(file)));
    const bin = join(REPO, 'node_modules/.bin/repomix');
    const args = ['--compress', '--stdin', '--stdout', '--style', 'plain', '--no-file-summary', '--no-directory-structure'];
    const t = performance.now();
    const r = spawnSync(bin, args, { cwd: dir, input: `${basename(file)}\n`, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    const ms = performance.now() - t;
    if (r.status !== 0) return { error: `exit ${r.status}: ${(r.stderr || r.stdout).slice(0, 300)}` };
    const marker = `File: ${basename(file)}\n================\n`;
    const at = r.stdout.indexOf(marker);
    return { ms, text: at < 0 ? r.stdout : r.stdout.slice(at + marker.length) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cliColdMs(file: string, symbol: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(ASSETS, 'cli.js'), 'extract', file, '--symbol', symbol, '--root', dirname(file), '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - t;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Memory over many extractions, in a process of its own: rss and heap after a full collection. */
async function memory(): Promise<void> {
  // Memory over many extractions: several symbols, and an edit every 10th time so trees are re-parsed and freed.
  const memoryCase = CASES.find((c) => c.file.endsWith('_pydecimal.py'))!;
  const memText = readFileSync(memoryCase.file, 'utf8');
  const engine = new ContextEngine({ assetsDir: ASSETS });
  const symbols = ['Decimal._rescale', 'Decimal.__add__', 'Context.power', 'Decimal.sqrt', '_normalize', 'Decimal.quantize', 'Context.create_decimal'];
  const one = (i: number) => engine.extract({ root: dirname(memoryCase.file), file: memoryCase.file, selector: { symbol: symbols[i % symbols.length]! },
    maxTokens: 8_000, text: i % 10 === 9 ? `${memText}\n# edit ${i}\n` : memText });
  for (let i = 0; i < 100; i++) await one(i); // settle caches and the WASM heap's high-water mark first
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  // rss after a full collection every quarter: a leak climbs steadily, allocator noise does not.
  const rss: number[] = [];
  const heap: number[] = [];
  const sample = () => {
    global.gc?.();
    const m = process.memoryUsage();
    rss.push(m.rss);
    heap.push(m.heapUsed);
  };
  sample();
  const started = performance.now();
  for (let i = 0; i < MEMORY_RUNS; i++) {
    await one(i);
    if ((i + 1) % (MEMORY_RUNS / 4) === 0) sample();
  }
  const ms = performance.now() - started;
  engine.dispose();
  console.log(`memory over ${MEMORY_RUNS} extractions in ${basename(memoryCase.file)} (${symbols.length} symbols, an edit every 10th, ${fmt(ms / MEMORY_RUNS)} each): ` +
    `rss ${rss.map(mb).join(' -> ')} MB (growth ${mb(rss[rss.length - 1]! - rss[0]!)} MB), heap ${heap.map(mb).join(' -> ')} MB`);
}

async function main(): Promise<void> {
  console.log(`Context engine benchmark (Node ${process.version}, ${RUNS} cold runs, ${WARM_RUNS} warm runs, ${REPOMIX_RUNS} Repomix runs; the machine is shared: figures are noisy)\n`);
  // The extension builds the counter in the background after activation: cold extractions below
  // start from a fresh engine (no parsed file, no grammar, no count cache) with the counter built.
  const [buildMs] = await timed(() => loadTokenCounter(ASSETS, 'o200k_base'));
  console.log(`o200k_base counter build (once per process, off the first command's path): ${fmt(buildMs)}\n`);
  // Memory is measured in a fresh process: what this one allocates below would blur the figure.
  spawnSync(process.execPath, ['--expose-gc', __filename, '--memory-only', '--memory-runs', String(MEMORY_RUNS)], { stdio: 'inherit' });
  const table = loadRankTable(ASSETS, 'o200k_base');
  const ranks = BpeRanks.buildSync(table);
  const reference = new Encoders(ASSETS).get('o200k_base');

  const rows: string[][] = [];
  const repomixRuns = new Map<string, { ms: number[]; tokens: number; error: string }>();
  for (const { file, symbol, wholeParse } of CASES) {
    const options = { assetsDir: ASSETS, largeFileChars: wholeParse ? Number.POSITIVE_INFINITY : undefined };
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length;
    const request: ExtractRequest = { root: dirname(file), file, selector: { symbol }, maxTokens: 8_000 };
    const cold: number[] = [];
    let result;
    for (let i = 0; i < (wholeParse ? Math.min(RUNS, 3) : RUNS); i++) {
      const engine = new ContextEngine(options);
      const [ms, r] = await timed(() => engine.extract(request));
      cold.push(ms);
      result = r;
      engine.dispose();
    }
    const engine = new ContextEngine(options);
    await engine.extract(request);
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push((await timed(() => engine.extract(request)))[0]);
    engine.dispose();
    const cliMs = wholeParse ? NaN : median([cliColdMs(file, symbol), cliColdMs(file, symbol), cliColdMs(file, symbol)]);
    // Counting the whole file with an empty word cache, as a first count does.
    const [countMs, wholeTokens] = await timed(() => new TokenCounter('o200k_base', ranks, table.pat_str).count(text));
    const [referenceMs, referenceTokens] = await timed(() => reference.encode(text, [], []).length);
    if (referenceTokens !== wholeTokens) throw new Error(`${file}: counted ${wholeTokens}, js-tiktoken ${referenceTokens}`);
    if (!repomixRuns.has(file)) {
      const runs = { ms: [] as number[], tokens: 0, error: '' };
      for (let i = 0; i < REPOMIX_RUNS; i++) {
        const out = repomix(file);
        if ('error' in out) {
          runs.error = out.error;
          break;
        }
        runs.ms.push(out.ms);
        runs.tokens = new TokenCounter('o200k_base', ranks, table.pat_str).count(out.text);
      }
      repomixRuns.set(file, runs);
    }
    const { ms: rm, tokens: repomixTokens, error: repomixError } = repomixRuns.get(file)!;
    const r = result!;
    const coldMs = median(cold);
    const repomixMs = rm.length ? median(rm) : NaN;
    rows.push([
      `${basename(file)} (${lines} lines, ${(text.length / 1e6).toFixed(2)} MB)${wholeParse ? ', whole parse' : ''}`, r.target.symbol,
      fmt(coldMs), fmt(median(warm)), wholeParse ? '-' : fmt(cliMs), `${r.tokens.payload} / ${wholeTokens} = ${pct(r.tokens.payload / wholeTokens)}`,
      `${fmt(countMs)} (js-tiktoken ${fmt(referenceMs)})`, rm.length ? fmt(repomixMs) : `failed: ${repomixError}`, rm.length ? `${repomixTokens} (${pct(repomixTokens / wholeTokens)})` : '-',
      rm.length ? (coldMs / repomixMs).toFixed(3) : '-',
    ]);
    console.log(`done: ${basename(file)}`);
  }
  const header = ['file', 'target', 'cold (median)', 'warm (median)', 'CLI process', 'payload / whole-file tokens', 'count whole file', 'Repomix --compress', 'Repomix tokens', 'cold / Repomix'];
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);

  // Counting must never go pathological: 1 MB of text with a 50,000-character run in it.
  const code = readFileSync(CASES.find((c) => c.file.endsWith('typescript.d.ts'))!.file, 'utf8').slice(0, 950_000);
  const stress = `${code}\n${'a'.repeat(50_000)}\n`;
  const [stressMs, stressTokens] = await timed(() => new TokenCounter('o200k_base', ranks, table.pat_str).count(stress));
  console.log(`\ncount 1 MB with a 50,000-letter run, empty cache: ${fmt(stressMs)} (${stressTokens} tokens)`);

}

void (values['memory-only'] ? memory() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
