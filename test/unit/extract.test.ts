import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isTargetOverBudgetError, TokenBudget } from '../../src/context/budget';
import { isContextError } from '../../src/context/contextError';
import { isDeniedFileError } from '../../src/context/denyList';
import { ContextEngine } from '../../src/context/engine';
import type { ExtractRequest } from '../../src/context/extraction';
import { isUnknownSymbolError } from '../../src/context/select';
import { loadTokenCounter } from '../../src/context/tokenCounters';
import { ASSETS_DIR } from './assets';
import { workspace, type Workspace } from './workspaceFixture';

const FILES: Record<string, string> = {
  'src/shapes.ts': `import { readFileSync } from 'node:fs';
import { scale, type Unit } from './units';
import * as geometry from './geometry';
import { unused } from './unused';

/** A point. */
export interface Point { x: number; y: number }

export function area(w: number, h: number): number {
  return w * h;
}

export function parse(input: string): Point;
export function parse(input: string[]): Point[];
export function parse(input: string | string[]): Point | Point[] {
  return Array.isArray(input) ? input.map((s) => parse(s)) : { x: Number(input), y: 0 };
}

@Component({ selector: 'shape' })
export class Shape {
  private readonly sides: number;
  constructor(sides: number) { this.sides = sides; }

  /** Scaled area. */
  @Memoize()
  @Trace
  scaledArea(unit: Unit): number {
    const inner = () => area(this.sides, this.sides);
    return scale(inner(), unit) + geometry.perimeter(this.sides);
  }

  describe(): string {
    function label(n: number): string {
      return 'shape with ' + n + ' sides';
    }
    return label(this.sides);
  }
}

export namespace Shapes {
  export class Registry {
    register(shape: Shape): void { this.all.push(shape); }
    all: Shape[] = [];
  }
}
`,
  'src/units.ts': `export type Unit = 'cm' | 'in';
/** Converts a measure. */
export function scale(value: number, unit: Unit): number {
  return unit === 'in' ? value / 2.54 : value;
}
export function unrelated(): void {}
`,
  'src/geometry.ts': `import { deeper } from './deeper';
export function perimeter(sides: number): number { return deeper(sides) * 4; }
`,
  'src/deeper.ts': 'export function deeper(n: number): number { return n; }\n',
  'src/unused.ts': 'export const unused = 1;\n',
  'src/broken.ts': `export function good(a: number): number {
  return a + 1;
}

function bad( {
  return ))) ;;
}

export class AlsoGood {
  method(): string { return 'ok'; }
}
`,
  'src/uses-generated.ts': `import { makeClient } from './generated/client';
import { apiKey } from './settings.secret';
export function connect(): unknown {
  return makeClient(apiKey);
}
`,
  'src/generated/client.ts': 'export function makeClient(key: string): unknown { return { key }; }\n',
  'src/settings.secret': 'export const apiKey = "do-not-send";\n',
  'src/view.tsx': `import { Shape } from './shapes';
export function ShapeView({ shape }: { shape: Shape }): JSX.Element {
  return <div className="shape">{shape.describe()}</div>;
}
`,
  'pkg/__init__.py': '',
  'pkg/models.py': `import os
from dataclasses import dataclass
from .helpers import slugify, unused_helper
from . import formats

@dataclass
class Article:
    title: str
    body: str = ""

    class Meta:
        ordering = ["title"]

        def describe(self) -> str:
            return "ordered by " + ", ".join(self.ordering)

    @property
    def slug(self) -> str:
        return slugify(self.title)

    def render(self) -> str:
        return formats.as_html(self.body)

try:
    from fast_json import dumps
except ImportError:
    def dumps(obj):
        return str(obj)

if os.environ.get("DEBUG"):
    def trace(msg):
        print(msg)
`,
  'pkg/helpers.py': `import re

def slugify(text: str) -> str:
    """Lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

def unused_helper():
    pass
`,
  'pkg/formats.py': `def as_html(text):
    return "<p>" + text + "</p>"

def as_text(text):
    return text
`,
  '.contextignore': '# generated code is not ours to explain\nsrc/generated/\n*.secret\n',
};

describe('extraction', () => {
  let ws: Workspace;
  let engine: ContextEngine;
  const reads: string[] = [];
  const request = (file: string, selector: ExtractRequest['selector'], more: Partial<ExtractRequest> = {}): ExtractRequest =>
    ({ root: ws.root, file: ws.path(file), selector, maxTokens: 4_000, ...more });

  before(async () => {
    ws = await workspace(FILES);
    engine = new ContextEngine({ assetsDir: ASSETS_DIR, readFile: (path) => { reads.push(path); return readFile(path, 'utf8'); } });
  });
  after(async () => {
    engine.dispose();
    await ws.remove();
  });

  it('takes a method whole, with its doc comment and decorators, and gives the context it uses', async () => {
    const r = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }));
    assert.deepEqual([r.target.symbol, r.target.kind, r.target.startLine, r.target.endLine], ['Shape.scaledArea', 'method', 24, 30]);
    assert.match(r.target.text, /^ {2}\/\*\* Scaled area\. \*\/\n {2}@Memoize\(\)\n {2}@Trace\n {2}scaledArea\(unit: Unit\): number \{/);
    assert.match(r.target.text, /geometry\.perimeter\(this\.sides\);\n {2}\}$/);
    assert.deepEqual(r.pieces.map((p) => [p.role, p.file, p.symbol]), [
      ['target', 'src/shapes.ts', 'Shape.scaledArea'],
      ['imports', 'src/shapes.ts', 'imports'],
      ['class-outline', 'src/shapes.ts', 'Shape'],
      ['signature', 'src/shapes.ts', 'area'],
      ['imported-signature', 'src/units.ts', 'scale'],
      ['imported-signature', 'src/units.ts', 'Unit'],
      ['imported-signature', 'src/geometry.ts', 'perimeter'],
    ]);
    const scale = r.pieces.find((p) => p.symbol === 'scale')!;
    assert.deepEqual([scale.startLine, scale.endLine], [3, 5], 'a signature\'s lines are its text\'s: the doc comment on line 2 is not sent');
    // Only the imports the method uses; a namespace import followed to the member it uses.
    assert.match(r.payload, /import \{ scale, type Unit \} from '\.\/units';\nimport \* as geometry from '\.\/geometry';\n/);
    assert.doesNotMatch(r.payload, /readFileSync|unused|unrelated|deeper/);
    assert.match(r.payload, /^export function area\(w: number, h: number\): number \{ … \}$/m);
    assert.match(r.payload, /^ {2}describe\(\): string \{ … \}$/m);
    assert.match(r.payload, /^export function scale\(value: number, unit: Unit\): number \{ … \}$/m);
    assert.match(r.payload, /^\/\/ ==== target: method Shape\.scaledArea \(src\/shapes\.ts:24-30\) ====$/m);
    // Reading order: imports, outline, target, signatures.
    const order = ['// ==== imports', '// ==== class outline', '// ==== target', '// ==== signature', '// ==== imported signature'].map((h) => r.payload.indexOf(h));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
  });

  it('counts the payload as sent and the whole file, under the budget', async () => {
    const r = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }));
    const counter = await loadTokenCounter(ASSETS_DIR, 'o200k_base');
    assert.equal(r.tokens.payload, counter.count(r.payload));
    assert.equal(r.tokens.wholeFile, counter.count(await readFile(ws.path('src/shapes.ts'), 'utf8')));
    assert.deepEqual([r.tokens.budget, r.tokens.encoding, r.tokens.factor], [4_000, 'o200k_base', 1]);
    const factored = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }, { factor: 1.25 }));
    assert.equal(factored.tokens.payload, Math.ceil(r.tokens.payload * 1.25));
    const cl100k = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }, { encoding: 'cl100k_base' }));
    assert.equal(cl100k.tokens.payload, (await loadTokenCounter(ASSETS_DIR, 'cl100k_base')).count(cl100k.payload));
  });

  it('takes overload signatures with their implementation as one target', async () => {
    const r = await engine.extract(request('src/shapes.ts', { symbol: 'parse' }));
    assert.deepEqual([r.target.startLine, r.target.endLine], [13, 17]);
    assert.equal(r.target.text.match(/^export function parse/gm)?.length, 3);
    assert.ok(r.pieces.some((p) => p.symbol === 'Point'), 'the interface it returns');
  });

  it('takes a decorated class with its decorator and export', async () => {
    const r = await engine.extract(request('src/shapes.ts', { symbol: 'Shape' }));
    assert.match(r.target.text, /^@Component\(\{ selector: 'shape' \}\)\nexport class Shape \{/);
    assert.deepEqual([r.target.startLine, r.target.endLine], [19, 38]);
  });

  it('selects nested names: a class in a namespace, a function in a method', async () => {
    const inNamespace = await engine.extract(request('src/shapes.ts', { symbol: 'Shapes.Registry.register' }));
    assert.equal(inNamespace.target.text.trim(), 'register(shape: Shape): void { this.all.push(shape); }');
    assert.ok(inNamespace.pieces.some((p) => p.role === 'class-outline' && p.symbol === 'Shapes.Registry'));
    const nested = await engine.extract(request('src/shapes.ts', { symbol: 'describe.label' }));
    assert.equal(nested.target.symbol, 'Shape.describe.label');
    assert.deepEqual([nested.target.startLine, nested.target.endLine], [33, 35]);
  });

  it('selects the innermost definition at a position, and the definition below a decorator or doc line', async () => {
    const at = async (line: number, column?: number) => (await engine.extract(request('src/shapes.ts', { line, column }))).target.symbol;
    assert.equal(await at(34), 'Shape.describe.label');
    assert.equal(await at(36, 5), 'Shape.describe');
    assert.equal(await at(29), 'Shape.scaledArea');
    assert.equal(await at(28, 25), 'Shape.scaledArea.inner', 'inside an arrow function bound to a name');
    assert.equal(await at(25), 'Shape.scaledArea', 'on a decorator');
    assert.equal(await at(24), 'Shape.scaledArea', 'on the doc comment');
    assert.equal(await at(23), 'Shape', 'a blank line in the class body');
    assert.equal(await at(21), 'Shape', 'a field selects its class');
    await assert.rejects(engine.extract(request('src/shapes.ts', { line: 5 })), (e: unknown) =>
      isUnknownSymbolError(e) && /No function, method or class contains line 5 in src\/shapes\.ts\. Nearest names: /.test(e.message));
  });

  it('extracts a well-formed target from a file with a syntax error elsewhere', async () => {
    const good = await engine.extract(request('src/broken.ts', { symbol: 'good' }));
    assert.equal(good.target.text, 'export function good(a: number): number {\n  return a + 1;\n}');
    const method = await engine.extract(request('src/broken.ts', { symbol: 'AlsoGood.method' }));
    assert.equal(method.target.text, "  method(): string { return 'ok'; }");
  });

  it('never reads a denied import, lists it as excluded, and marks it in the payload', async () => {
    reads.length = 0;
    const r = await engine.extract(request('src/uses-generated.ts', { symbol: 'connect' }));
    assert.deepEqual(r.excluded.map((x) => [x.file, x.pattern, x.source]), [
      ['src/generated/client.ts', 'src/generated/', '.contextignore line 2'],
    ]);
    assert.ok(!reads.some((p) => p.includes('/generated/') || p.endsWith('.secret')), `read ${reads.join(', ')}`);
    assert.ok(reads.includes(ws.path('src/uses-generated.ts')));
    assert.doesNotMatch(r.payload, /do-not-send|return \{ key \}/);
    assert.match(r.payload, /^\/\/ ==== excluded: src\/generated\/client\.ts \(pattern "src\/generated\/", \.contextignore line 2\) ====$/m);
  });

  it('refuses a denied target file before reading it', async () => {
    reads.length = 0;
    await assert.rejects(engine.extract(request('src/generated/client.ts', { symbol: 'makeClient' })), (e: unknown) =>
      isDeniedFileError(e) && e.file === 'src/generated/client.ts' && e.source === '.contextignore line 2');
    await assert.rejects(engine.extract(request('src/a.test.ts', { symbol: 'x' }, { text: 'export const x = 1;' })), /pattern "\*\.test\.\*" \(default\)/);
    assert.ok(!reads.some((p) => p.endsWith('client.ts')));
  });

  it('applies the settings globs too', async () => {
    await assert.rejects(engine.extract(request('src/units.ts', { symbol: 'scale' }, { exclude: ['units.ts'] })), (e: unknown) =>
      isDeniedFileError(e) && e.source === 'setting contextGateway.context.exclude[0]');
    const r = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }, { exclude: ['src/units.ts'] }));
    assert.deepEqual(r.excluded.map((x) => x.file), ['src/units.ts']);
    assert.ok(!r.pieces.some((p) => p.file === 'src/units.ts'));
  });

  it('redacts secrets in the target and reports them with their line in the file', async () => {
    const key = ['sk', '-proj-', 'FakeKeyForTests0'.repeat(3)].join('');
    const text = `export function client() {\n  const note = 1;\n  return new Client({ apiKey: "${key}" });\n}\n`;
    const r = await engine.extract(request('src/client.ts', { symbol: 'client' }, { text }));
    assert.ok(!r.payload.includes(key) && !r.target.text.includes(key));
    assert.match(r.payload, /apiKey: "\[REDACTED:openai-key\]"/);
    assert.deepEqual(r.redacted, [{ kind: 'openai-key', file: 'src/client.ts', line: 3 }]);
  });

  it('leaves out what does not fit, says so, and keeps the payload under the budget', async () => {
    const full = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }));
    const target = full.pieces.find((p) => p.role === 'target')!.tokens;
    const budget = target + Math.floor((full.tokens.payload - target) / 2);
    const r = await engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledArea' }, { maxTokens: budget }));
    assert.ok(r.tokens.payload <= budget, `${r.tokens.payload} > ${budget}`);
    assert.ok(r.omitted.length > 0);
    assert.equal(r.pieces.length + r.omitted.length, full.pieces.length);
    for (const o of r.omitted) {
      assert.ok(o.tokens > 0 && o.file.startsWith('src/') && o.startLine > 0);
      assert.match(o.reason, /over budget/);
    }
    assert.match(r.payload, /^\/\/ ==== omitted: .* tokens: over budget/m);
    assert.equal(r.pieces[0]!.role, 'target');
  });

  it('refuses a target over the budget instead of truncating it', async () => {
    await assert.rejects(engine.extract(request('src/shapes.ts', { symbol: 'Shape' }, { maxTokens: 50 })), (e: unknown) => {
      assert.ok(isTargetOverBudgetError(e) && isContextError(e, 'target-over-budget'));
      assert.equal(e.budget, 50);
      assert.ok(e.tokens > 50);
      assert.match(e.message, /^Shape \(src\/shapes\.ts\) is \d+ tokens, over the budget of 50\. Nothing was sent\./);
      return true;
    });
  });

  it('draws several extractions from one shared budget', async () => {
    const budget = new TokenBudget(1_000);
    const first = await engine.extract(request('src/units.ts', { symbol: 'scale' }, { budget }));
    assert.equal(budget.used, first.tokens.payload);
    assert.equal(first.tokens.budget, 1_000);
    const second = await engine.extract(request('src/units.ts', { symbol: 'unrelated' }, { budget }));
    assert.equal(second.tokens.budget, 1_000 - first.tokens.payload);
    assert.equal(budget.used, first.tokens.payload + second.tokens.payload);
    const small = new TokenBudget(first.pieces[0]!.tokens - 1);
    await assert.rejects(engine.extract(request('src/units.ts', { symbol: 'scale' }, { budget: small })), isTargetOverBudgetError);
    assert.equal(small.used, 0, 'a refused extraction charges nothing');
  });

  it('offers the nearest names for an unknown symbol', async () => {
    await assert.rejects(engine.extract(request('src/shapes.ts', { symbol: 'Shape.scaledAera' })), (e: unknown) => {
      assert.ok(isUnknownSymbolError(e));
      assert.equal(e.nearest[0], 'Shape.scaledArea');
      assert.match(e.message, /^No definition named "Shape\.scaledAera" in src\/shapes\.ts\. Nearest names: Shape\.scaledArea/);
      return true;
    });
  });

  it('uses unsaved editor text over the file on disk, and notices when it changes', async () => {
    const disk = await engine.extract(request('src/units.ts', { symbol: 'scale' }));
    assert.match(disk.target.text, /value \/ 2\.54/);
    const edited = (await readFile(ws.path('src/units.ts'), 'utf8')).replace('value / 2.54', 'value * 0.3937');
    const unsaved = await engine.extract(request('src/units.ts', { symbol: 'scale' }, { text: edited }));
    assert.match(unsaved.target.text, /value \* 0\.3937/);
    const again = await engine.extract(request('src/units.ts', { symbol: 'scale' }));
    assert.match(again.target.text, /value \/ 2\.54/);
  });

  it('extracts TSX', async () => {
    const r = await engine.extract(request('src/view.tsx', { symbol: 'ShapeView' }));
    assert.match(r.target.text, /<div className="shape">\{shape\.describe\(\)\}<\/div>/);
    assert.ok(r.pieces.some((p) => p.role === 'imported-signature' && p.symbol === 'Shape'));
    assert.equal(r.language, 'tsx');
  });

  it('extracts Python: decorated methods, nested classes, one hop through relative imports', async () => {
    const slug = await engine.extract(request('pkg/models.py', { symbol: 'Article.slug' }));
    assert.equal(slug.target.text, '    @property\n    def slug(self) -> str:\n        return slugify(self.title)');
    assert.deepEqual(slug.pieces.map((p) => [p.role, p.symbol]), [
      ['target', 'Article.slug'], ['imports', 'imports'], ['class-outline', 'Article'], ['imported-signature', 'slugify'],
    ]);
    assert.match(slug.payload, /^# ==== imports \(pkg\/models\.py:3-3\) ====\nfrom \.helpers import slugify, unused_helper$/m);
    assert.match(slug.payload, /^def slugify\(text: str\) -> str: \.\.\.$/m);
    assert.match(slug.payload, /^@dataclass\nclass Article:\n {4}title: str\n {4}body: str = ""\n {4}class Meta: \.\.\.\n {4}@property\n {4}def slug\(self\) -> str: \.\.\.\n {4}def render\(self\) -> str: \.\.\.$/m);
    const render = await engine.extract(request('pkg/models.py', { symbol: 'render' }));
    assert.ok(render.pieces.some((p) => p.role === 'imported-signature' && p.file === 'pkg/formats.py' && p.symbol === 'as_html'));
    assert.doesNotMatch(render.payload, /as_text/);
    const nested = await engine.extract(request('pkg/models.py', { symbol: 'Article.Meta.describe' }));
    assert.deepEqual([nested.target.startLine, nested.target.endLine], [14, 15]);
    assert.ok(nested.pieces.some((p) => p.role === 'class-outline' && p.symbol === 'Article.Meta'));
  });

  it('finds Python definitions inside module-level try and if blocks', async () => {
    const dumps = await engine.extract(request('pkg/models.py', { symbol: 'dumps' }));
    assert.equal(dumps.target.text, '    def dumps(obj):\n        return str(obj)');
    assert.equal((await engine.extract(request('pkg/models.py', { line: 32 }))).target.symbol, 'trace');
  });

  it('extracts a well-formed Python target from a file with a syntax error elsewhere', async () => {
    const text = 'def ok(a):\n    return a * 2\n\ndef broken(:\n    return ((\n\nclass Fine:\n    def m(self):\n        return 1\n';
    assert.equal((await engine.extract(request('pkg/broken.py', { symbol: 'ok' }, { text }))).target.text, 'def ok(a):\n    return a * 2');
    assert.equal((await engine.extract(request('pkg/broken.py', { symbol: 'Fine.m' }, { text }))).target.text, '    def m(self):\n        return 1');
  });

  it('says what is wrong with an unsupported or missing file', async () => {
    await assert.rejects(engine.extract(request('README.md', { symbol: 'x' }, { text: '# hi' })), (e: unknown) =>
      isContextError(e, 'unsupported-language') && /README\.md: this file type is not supported/.test(e.message));
    await assert.rejects(engine.extract(request('src/missing.ts', { symbol: 'x' })), (e: unknown) =>
      isContextError(e, 'unreadable-file') && /Cannot read .*missing\.ts: no such file/.test(e.message));
  });

  it('lists the definitions a user can select, without locals', async () => {
    const symbols = await engine.listSymbols(ws.root, ws.path('pkg/models.py'));
    assert.deepEqual(symbols.map((s) => s.symbol), ['Article', 'Article.title', 'Article.body', 'Article.Meta', 'Article.Meta.ordering',
      'Article.Meta.describe', 'Article.slug', 'Article.render', 'dumps', 'trace']);
    assert.deepEqual(symbols.find((s) => s.symbol === 'Article.render'), { symbol: 'Article.render', kind: 'method', startLine: 21, endLine: 22 });
  });
});
