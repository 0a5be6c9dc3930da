import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './assets';

// VS Code runs TextMate grammars on Oniguruma; vscode-textmate is not a dependency here, so the
// grammar's regexes are checked with JavaScript's engine and kept to the syntax both share.
const grammar = JSON.parse(readFileSync(join(REPO_ROOT, 'syntaxes', 'contextignore.tmLanguage.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));

interface Rule { name?: string; match?: string; begin?: string; end?: string; patterns?: Rule[]; include?: string }

function rules(): Rule[] {
  const all: Rule[] = [];
  const walk = (r: Rule) => {
    all.push(r);
    r.patterns?.forEach(walk);
  };
  grammar.patterns.forEach(walk);
  Object.values(grammar.repository as Record<string, Rule>).forEach(walk);
  return all;
}

function regexes(): string[] {
  return rules().flatMap((r) => [r.match, r.begin, r.end].filter((x): x is string => x !== undefined));
}

function rule(name: string): RegExp {
  const found = rules().find((r) => r.name === name);
  assert.ok(found?.match, `no rule named ${name}`);
  return new RegExp(found.match, 'g');
}

describe('.contextignore language', () => {
  it('is contributed with its grammar and a # line comment', () => {
    assert.deepEqual(pkg.contributes.languages.find((l: { id: string }) => l.id === 'contextignore').filenames, ['.contextignore']);
    const contributed = pkg.contributes.grammars.find((g: { language: string }) => g.language === 'contextignore');
    assert.equal(contributed.scopeName, grammar.scopeName);
    assert.equal(contributed.scopeName, 'source.contextignore');
    const config = JSON.parse(readFileSync(join(REPO_ROOT, pkg.contributes.languages[0].configuration), 'utf8'));
    assert.equal(config.comments.lineComment, '#');
  });

  it('has regexes that compile and avoid what only one of Oniguruma and JavaScript understands', () => {
    const all = regexes();
    assert.ok(all.length >= 10);
    for (const source of all) {
      assert.doesNotThrow(() => new RegExp(source), source);
      assert.doesNotMatch(source, /\\G|\\A|\\z|\(\?>|[*+?}]\+/, `${source}: \\G, \\A, \\z, atomic groups and possessive quantifiers are Oniguruma-only`);
      // Oniguruma's lookbehind must have a fixed length: no quantifier inside it.
      for (const look of source.matchAll(/\(\?<[=!]((?:\\.|[^)])*)\)/g)) assert.doesNotMatch(look[1]!, /(?<!\\)[*+?{]/, `${source}: variable-length lookbehind`);
    }
  });

  it('tells comments from patterns, and finds negation, globs, classes, escapes and a trailing slash', () => {
    const comment = new RegExp(grammar.repository.comment.match);
    const begin = new RegExp(grammar.repository.pattern.begin);
    assert.match('# generated files', comment);
    assert.match('   # indented comment', comment);
    assert.doesNotMatch('src/a#b.ts', comment);
    assert.equal(begin.exec('!dist/keep.js')?.[1], '!');
    assert.equal(begin.exec('  secrets/')?.[1], undefined);
    assert.ok(begin.test('  secrets/'));
    assert.ok(!begin.test('# a comment') && !begin.test('   ') && !begin.test(''));
    assert.deepEqual('src/**/*.gen.?s'.match(rule('keyword.operator.glob.globstar.contextignore')), ['**']);
    assert.deepEqual('src/**/*.gen.?s'.replace(/\*\*/g, '').match(rule('keyword.operator.glob.wildcard.contextignore')), ['*', '?']);
    const cls = new RegExp(rules().find((r) => r.name === 'meta.character-class.contextignore')!.match!).exec('file[!0-9].txt');
    assert.deepEqual([cls?.[2], cls?.[3]], ['!', '0-9']);
    assert.deepEqual('\\#not-a-comment \\!x'.match(rule('constant.character.escape.contextignore')), ['\\#', '\\!']);
    assert.deepEqual('build/'.match(rule('punctuation.separator.directory.trailing.contextignore')), ['/']);
    assert.equal('a/b.ts'.match(rule('punctuation.separator.directory.trailing.contextignore')), null);
  });
});
