// Declaration spans from parsers that are not tree-sitter: the TypeScript compiler API and
// Python's own `ast`. The span tests compare the engine's spans with these.
import { execFileSync } from 'node:child_process';
import ts from 'typescript';

/** A definition, qualified like the engine's names (`Class.method`, `ns.fn`), 1-based inclusive lines. */
export interface ReferenceSpan {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** 1-based position of the definition's name (TypeScript) or `def`/`class` keyword (Python): a cursor there selects it. */
  readonly at: { readonly line: number; readonly column: number };
}

type Named = ts.FunctionDeclaration | ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.EnumDeclaration |
  ts.ModuleDeclaration | ts.MethodDeclaration | ts.MethodSignature | ts.ConstructorDeclaration | ts.VariableStatement;

function nameOf(node: ts.Node): string | undefined {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (ts.isVariableStatement(node)) {
    const list = node.declarationList.declarations;
    return list.length === 1 && ts.isIdentifier(list[0]!.name) ? list[0]!.name.text : undefined;
  }
  const name = (node as { name?: ts.Node }).name;
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) return name.getText();
  return undefined;
}

function isDeclaration(node: ts.Node): node is Named {
  return ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node) || ts.isModuleDeclaration(node) || ts.isMethodDeclaration(node) ||
    ts.isMethodSignature(node) || ts.isConstructorDeclaration(node) || ts.isVariableStatement(node);
}

function isFunctionLike(node: ts.Node): boolean {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

/**
 * Named declarations of a TypeScript or JavaScript file: top level, in namespaces, class and
 * interface methods, functions nested in functions. Overloads (same name, adjacent, earlier ones
 * without a body) form one span. Start: the node with its decorators and modifiers, or its
 * JSDoc comment when that comment sits directly above (no blank line).
 */
export function typescriptSpans(file: string, text: string): ReferenceSpan[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : /\.[cm]?jsx?$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const position = (node: Named) => {
    const name = ts.isVariableStatement(node) ? node.declarationList.declarations[0]!.name : ts.isConstructorDeclaration(node) ? node : node.name!;
    const { line: l, character } = sf.getLineAndCharacterOfPosition(name.getStart(sf));
    return { line: l + 1, column: character + 1 };
  };
  const out: Array<ReferenceSpan & { node: Named; parent: ts.Node }> = [];

  const startOf = (node: Named): number => {
    const start = node.getStart(sf);
    const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
    const doc = docs?.[docs.length - 1];
    if (!doc) return line(start);
    const docStart = doc.getStart(sf);
    const between = text.slice(doc.end, start);
    const before = text.slice(text.lastIndexOf('\n', docStart - 1) + 1, docStart);
    return /^[ \t]*\r?\n?[ \t]*$/.test(between) && /^[ \t]*$/.test(before) ? line(docStart) : line(start);
  };

  const visit = (node: ts.Node, scope: string[], inFunction: boolean): void => {
    // tree-sitter-typescript reads `global { }` inside a module as an expression and a block, so
    // its contents are selected without a `global.` prefix; the reference does the same.
    const augmentsGlobal = ts.isModuleDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'global' && !!(node.flags & ts.NodeFlags.GlobalAugmentation);
    if (isDeclaration(node) && !augmentsGlobal) {
      const name = nameOf(node);
      const init = ts.isVariableStatement(node) ? node.declarationList.declarations[0]?.initializer : undefined;
      const valueIsCode = init !== undefined && (ts.isArrowFunction(init) || ts.isFunctionExpression(init) || ts.isClassExpression(init));
      // Variables local to a function are not definitions a user selects by name.
      if (ts.isVariableStatement(node) && inFunction && !valueIsCode) return;
      if (name !== undefined) {
        const previous = out[out.length - 1];
        const overload = previous && previous.parent === node.parent && previous.path === [...scope, name].join('.') &&
          (ts.isFunctionDeclaration(previous.node) || ts.isMethodDeclaration(previous.node) || ts.isConstructorDeclaration(previous.node) || ts.isMethodSignature(previous.node)) &&
          previous.node.kind === node.kind && !(previous.node as ts.FunctionLikeDeclaration).body;
        if (overload) out[out.length - 1] = { ...previous, endLine: line(node.end) };
        else out.push({ path: [...scope, name].join('.'), startLine: startOf(node), endLine: line(node.end), at: position(node), node, parent: node.parent });
        const inner = [...scope, name];
        const childInFunction = inFunction || isFunctionLike(node) || valueIsCode;
        if (ts.isVariableStatement(node)) {
          if (valueIsCode) ts.forEachChild(init!, (c) => visit(c, inner, childInFunction));
          return;
        }
        ts.forEachChild(node, (c) => visit(c, inner, childInFunction));
        return;
      }
    }
    // Object literals' methods and accessors are left out: the comparison is about declarations.
    if (ts.isObjectLiteralExpression(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) return;
    ts.forEachChild(node, (c) => visit(c, scope, inFunction || isFunctionLike(node)));
  };
  visit(sf, [], false);
  return out.map(({ path, startLine, endLine, at }) => ({ path, startLine, endLine, at }));
}

const PYTHON_SPANS = `
import ast, json, sys
def spans(file):
    out = []
    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                path = scope + [child.name]
                out.append({"path": ".".join(path), "startLine": start, "endLine": child.end_lineno,
                            "at": {"line": child.lineno, "column": child.col_offset + 1}})
                visit(child, path)
            else:
                visit(child, scope)
    visit(ast.parse(open(file, encoding="utf-8").read()), [])
    return out
print(json.dumps({f: spans(f) for f in sys.argv[1:]}))
`;

/** Functions and classes of Python files per Python's `ast` (one run for all), decorators included, qualified by their enclosing definitions. */
export function pythonSpans(files: readonly string[]): Record<string, ReferenceSpan[]> {
  return JSON.parse(execFileSync('python3', ['-c', PYTHON_SPANS, ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as Record<string, ReferenceSpan[]>;
}

/** The stdlib files of Python modules, as the machine's python3 finds them. */
export function pythonModuleFiles(modules: readonly string[]): string[] {
  const script = `import importlib\nfor m in ${JSON.stringify(modules)}: print(importlib.import_module(m).__file__)`;
  return execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
}

/** Keeps spans whose qualified name occurs once: a repeated name cannot be selected unambiguously. */
export function uniquePaths<T extends { path: string }>(spans: readonly T[]): T[] {
  const counts = new Map<string, number>();
  for (const s of spans) counts.set(s.path, (counts.get(s.path) ?? 0) + 1);
  return spans.filter((s) => counts.get(s.path) === 1);
}
