// npm run bench:load: do extractions give the same answer when the machine is busy? A fixed
// sample of 100 definitions from code nobody here wrote (undici, minimatch, cockatiel, Node's
// typings, TypeScript's, Python's standard library) is extracted through the engine, each
// target's lines checked against an oracle (the TypeScript compiler API, Python's `ast`), and
// each payload's digest compared with the idle run's. Rounds alternate idle and loaded; the load
// is a busy loop on every core, and with --host the real extension-host suites running beside.
// Prints figures; asserts nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ContextEngine } from '../../src/context/engine';
import { pythonModuleFiles, pythonSpans, typescriptSpans, uniquePaths, type ReferenceSpan } from '../unit/referenceSpans';

const REPO = resolve(__dirname, '../..');
const { values } = parseArgs({ options: { rounds: { type: 'string' }, host: { type: 'boolean' }, sample: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 3);
const SAMPLE = Number(values.sample ?? 100);

const JS_FILES = [
  'typescript/lib/typescript.d.ts', '@types/node/fs.d.ts', '@types/node/http.d.ts', '@types/node/stream.d.ts',
  'undici/lib/dispatcher/client.js', 'undici/lib/dispatcher/client-h1.js', 'undici/lib/web/fetch/index.js', 'undici/lib/core/util.js',
  'minimatch/dist/commonjs/ast.js', 'minimatch/dist/commonjs/index.js', 'cockatiel/dist/CircuitBreakerPolicy.js',
];
const PYTHON_MODULES = ['argparse', 'dataclasses', 'typing', 'functools', 'enum', 'subprocess', '_pydecimal', 'asyncio.base_events', 'collections'];

interface Case { readonly file: string; readonly span: ReferenceSpan }
interface Outcome { readonly oracle: boolean; readonly digest: string; readonly stopped: number; readonly ms: number; readonly error?: string }

/** The files copied into a workspace of their own (node_modules is denied by default), and the sample. */
function corpus(root: string): Case[] {
  const all: Case[] = [];
  for (const relative of JS_FILES) {
    // Not under a dist/ folder: build output is denied by default.
    const file = join(root, 'js', relative.replace('/dist/', '/lib/'));
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(join(REPO, 'node_modules', relative), file);
    for (const span of uniquePaths(typescriptSpans(file, readFileSync(file, 'utf8')))) all.push({ file, span });
  }
  const sources = pythonModuleFiles(PYTHON_MODULES);
  const copies = sources.map((source, i) => {
    const file = join(root, 'py', `${PYTHON_MODULES[i]!.replace(/\./g, '_')}.py`);
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(source, file);
    return file;
  });
  const reference = pythonSpans(copies);
  for (const file of copies) for (const span of uniquePaths(reference[file]!)) all.push({ file, span });
  // Evenly spaced through the whole list: the same sample every run.
  const step = all.length / SAMPLE;
  return Array.from({ length: Math.min(SAMPLE, all.length) }, (_, i) => all[Math.floor(i * step)]!);
}

async function round(root: string, cases: readonly Case[]): Promise<Outcome[]> {
  // A fresh engine each round: every file parsed again, as after a restart. The budget is large:
  // whole namespaces and classes are in the sample too.
  const engine = new ContextEngine({ assetsDir: join(REPO, 'dist') });
  try {
    const out: Outcome[] = [];
    for (const c of cases) {
      const t = performance.now();
      try {
        const r = await engine.extract({ root, file: c.file, selector: { symbol: c.span.path }, maxTokens: 200_000 });
        const digest = createHash('sha1').update(JSON.stringify([r.payload, r.tokens.payload, r.omitted, r.stopped, r.target.startLine, r.target.endLine])).digest('hex');
        out.push({ oracle: r.target.startLine === c.span.startLine && r.target.endLine === c.span.endLine, digest, stopped: r.stopped.length, ms: performance.now() - t });
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        out.push({ oracle: false, digest: `error: ${error}`, stopped: 0, ms: performance.now() - t, error });
      }
    }
    return out;
  } finally {
    engine.dispose();
  }
}

/** A busy loop on every core, and with --host the extension-host suites: the load of a working editor. */
function startLoad(): ChildProcess[] {
  const burners = cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  if (!values.host) return burners;
  const host = spawn(process.execPath, ['test/host/launch.mjs'], { cwd: REPO, stdio: 'ignore', detached: true });
  return [...burners, host];
}

function stopLoad(children: ChildProcess[]): void {
  for (const child of children) {
    try {
      if (child.spawnargs.includes('test/host/launch.mjs') && child.pid) process.kill(-child.pid, 'SIGTERM');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'cg-load-'));
  try {
    const cases = corpus(root);
    console.log(`Extractions under load: ${cases.length} definitions from ${JS_FILES.length} JavaScript/TypeScript files and ${PYTHON_MODULES.length} Python modules; load = a busy loop on each of ${cpus().length} cores${values.host ? ' + the extension-host suites' : ''}`);
    console.log('round | load | oracle mismatches | differ from idle round 1 | parses stopped | errors | median ms | p99 ms');
    let baseline: Outcome[] | undefined;
    let differing = 0;
    let loadedRounds = 0;
    for (let r = 0; r < ROUNDS * 2; r++) {
      const loaded = r % 2 === 1;
      const load = loaded ? startLoad() : [];
      // Let the load reach full speed before the round starts.
      if (loaded) await new Promise((resolve) => setTimeout(resolve, values.host ? 5_000 : 500));
      let outcomes: Outcome[];
      try {
        outcomes = await round(root, cases);
      } finally {
        stopLoad(load);
      }
      baseline ??= outcomes;
      const differ = outcomes.filter((o, i) => o.digest !== baseline![i]!.digest).length;
      if (loaded) {
        differing += differ;
        loadedRounds++;
      }
      const ms = outcomes.map((o) => o.ms);
      console.log(`${String(r + 1).padStart(5)} | ${loaded ? 'busy' : 'idle'} | ${String(outcomes.filter((o) => !o.oracle).length).padStart(17)} | ${String(differ).padStart(24)} | ${String(outcomes.reduce((n, o) => n + o.stopped, 0)).padStart(14)} | ${String(outcomes.filter((o) => o.error).length).padStart(6)} | ${median(ms).toFixed(1).padStart(9)} | ${p99(ms).toFixed(1).padStart(6)}`);
      for (const [i, o] of outcomes.entries()) if (!o.oracle || o.digest !== baseline[i]!.digest) console.log(`      ${cases[i]!.span.path} in ${cases[i]!.file.slice(root.length + 1)}: ${o.error ?? (o.oracle ? 'payload differs from the idle round' : 'lines differ from the oracle')}`);
    }
    console.log(`${differing} of ${loadedRounds * cases.length} extractions on a busy machine differ from the idle run.`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
