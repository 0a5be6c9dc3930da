import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isContextError } from '../../src/context/contextError';
import { DeniedFileError, DenyList, isDeniedFileError } from '../../src/context/denyList';

const denied = (list: DenyList, path: string) => list.check(path)?.pattern;

describe('deny-list defaults', () => {
  const list = new DenyList('/ws');

  it('denies dependencies, build output, lock files, minified bundles and test specs at any depth', () => {
    const cases: Array<[string, string]> = [
      ['node_modules/x/index.js', 'node_modules/'], ['packages/a/node_modules/b.js', 'node_modules/'], ['.git/config', '.git/'],
      ['dist/extension.js', 'dist/'], ['out/test/a.js', 'out/'], ['src/build/gen.ts', 'build/'],
      ['package-lock.json', 'package-lock.json'], ['web/yarn.lock', 'yarn.lock'], ['static/vendor.min.js', '*.min.js'],
      ['src/a.test.ts', '*.test.*'], ['src/a.spec.ts', '*.spec.*'], ['tests/x.test.py', '*.test.*'],
    ];
    for (const [path, pattern] of cases) assert.equal(denied(list, path), pattern, path);
  });

  it('denies every common secret file, marked as such', () => {
    const cases: Array<[string, string]> = [
      ['.env', '.env*'], ['.env.local', '.env*'], ['config/.env.production', '.env*'], ['keys/server.pem', '*.pem'],
      ['tls/site.key', '*.key'], ['cert.p12', '*.p12'], ['home/.ssh/known_hosts', '.ssh/'], ['id_rsa', 'id_rsa*'], ['id_ed25519.pub', 'id_ed25519*'],
      ['.npmrc', '.npmrc'], ['.netrc', '.netrc'], ['gcp/service-account-prod.json', 'service-account*.json'],
      ['credentials.json', 'credentials.json'], ['aws/my-credentials.json', '*credentials*.json'], ['.aws/credentials', '.aws/'],
    ];
    for (const [path, pattern] of cases) {
      assert.equal(denied(list, path), pattern, path);
      assert.equal(list.check(path)?.source, 'default, secret file', path);
    }
  });

  it('allows ordinary sources, and names that only resemble a pattern', () => {
    for (const path of ['src/a.ts', 'src/environment.ts', 'README.md', 'src/dist.ts', 'lib/build.py', 'src/keys.ts', 'docs/testing.md']) {
      assert.equal(list.check(path), undefined, path);
    }
  });

  it('lists the effective patterns with their sources, secret defaults last and locked', () => {
    const entries = new DenyList('/ws', ['*.generated.ts'], '# comment\n\n!keep.generated.ts\n').entries();
    const settings = entries.find((e) => e.pattern === '*.generated.ts');
    const negation = entries.find((e) => e.pattern === 'keep.generated.ts');
    assert.deepEqual([settings?.source, settings?.negate], ['setting contextGateway.context.exclude[0]', false]);
    assert.deepEqual([negation?.source, negation?.negate], ['.contextignore line 3', true]);
    assert.equal(entries.find((e) => e.pattern === 'node_modules/')?.source, 'default');
    assert.ok(entries.indexOf(negation!) < entries.findIndex((e) => e.locked));
    assert.ok(entries.filter((e) => e.locked).every((e) => e.source === 'default, secret file'));
  });
});

describe('deny-list patterns follow .gitignore', () => {
  it('lets the last match win and re-includes with !', () => {
    const list = new DenyList('/ws', [], '*.generated.ts\n!keep.generated.ts\n');
    assert.equal(denied(list, 'src/api.generated.ts'), '*.generated.ts');
    assert.equal(list.check('src/keep.generated.ts'), undefined);
    const mine = new DenyList('/ws', ['*.generated.ts', '!keep.generated.ts'], '');
    assert.equal(mine.check('src/keep.generated.ts'), undefined);
  });

  it('applies the user\'s settings after .contextignore: a repository cannot re-include what the user excluded', () => {
    const list = new DenyList('/ws', ['src/private/'], '!src/private/\n!src/vendor.min.js\n');
    assert.equal(denied(list, 'src/private/plan.ts'), 'src/private/');
    // The file may still re-include noise the defaults exclude.
    assert.equal(denied(new DenyList('/ws', [], ''), 'src/vendor.min.js'), '*.min.js');
    assert.equal(list.check('src/vendor.min.js'), undefined);
  });

  it('matches secret files whatever their case, and code files that hold secrets by convention', () => {
    const list = new DenyList('/ws', [], '!*\n');
    for (const file of ['server.PEM', 'keys/ID_RSA', '.Env.local.js', 'secrets.py', 'config/credentials.ts', 'app/aws_credentials.py', 'settings/local_settings.py']) {
      assert.ok(list.check(file), `${file} should be denied`);
    }
    assert.equal(list.check('src/secretary.ts'), undefined);
  });

  it('anchors patterns with a slash to the root and lets others match at any depth', () => {
    const list = new DenyList('/ws', [], 'docs/internal\n/secret.ts\ninternal-notes\n');
    assert.equal(denied(list, 'docs/internal/a.ts'), 'docs/internal');
    assert.equal(list.check('src/docs/internal/a.ts'), undefined);
    assert.equal(denied(list, 'secret.ts'), '/secret.ts');
    assert.equal(list.check('src/secret.ts'), undefined);
    assert.equal(denied(list, 'a/b/internal-notes/x.md'), 'internal-notes');
    assert.equal(denied(list, 'a/internal-notes'), 'internal-notes');
  });

  it('matches a trailing-slash pattern against directories only', () => {
    const list = new DenyList('/ws', [], 'notes/\n');
    assert.equal(denied(list, 'notes/a.ts'), 'notes/');
    assert.equal(denied(list, 'src/notes/a.ts'), 'notes/');
    assert.equal(list.check('src/notes'), undefined, 'a file named notes is not a directory');
  });

  it('cannot re-include a file whose directory is excluded, as git', () => {
    const list = new DenyList('/ws', [], '!dist/keep.js\n');
    assert.equal(denied(list, 'dist/keep.js'), 'dist/');
  });

  it('can re-include noise defaults but never secret files', () => {
    const list = new DenyList('/ws', ['!build/'], '!.env\n!*.pem\n');
    assert.equal(list.check('build/gen.ts'), undefined);
    assert.equal(list.check('.env')?.source, 'default, secret file');
    assert.equal(list.check('certs/a.pem')?.source, 'default, secret file');
  });

  it('skips comments and blank lines, honours escapes and trims trailing spaces', () => {
    const list = new DenyList('/ws', [], '# a comment\n\n\\#hash.ts\n\\!bang.ts\nspaced.ts   \r\n');
    assert.equal(denied(list, '#hash.ts'), '\\#hash.ts');
    assert.equal(denied(list, '!bang.ts'), '\\!bang.ts');
    assert.equal(denied(list, 'spaced.ts'), 'spaced.ts');
    assert.equal(list.check('a comment'), undefined);
    assert.equal(list.entries().filter((e) => e.source.startsWith('.contextignore')).length, 3);
  });

  it('supports globstar and character classes (minimatch)', () => {
    const list = new DenyList('/ws', ['src/**/fixtures/**', 'log[0-9].txt']);
    assert.equal(denied(list, 'src/a/b/fixtures/c/d.ts'), 'src/**/fixtures/**');
    assert.equal(denied(list, 'x/log7.txt'), 'log[0-9].txt');
    assert.equal(list.check('x/logA.txt'), undefined);
  });
});

describe('deny-list on real paths', () => {
  let root: string;
  let outside: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cg-deny-'));
    outside = await mkdtemp(join(tmpdir(), 'cg-outside-'));
    const files: Record<string, string> = { 'src/a.ts': 'export const a = 1;\n', '.env': 'X=1\n', '.contextignore': 'private/\n' };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    await writeFile(join(outside, 'elsewhere.ts'), 'export {};\n');
    await symlink(join(root, '.env'), join(root, 'src', 'config.ts'));
    await symlink(join(outside, 'elsewhere.ts'), join(root, 'src', 'linked.ts'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('reads .contextignore from the root', async () => {
    const list = await DenyList.load(root);
    assert.deepEqual(list.check('private/x.ts'), { file: 'private/x.ts', pattern: 'private/', source: '.contextignore line 1' });
  });

  it('allows a plain file inside the root', async () => {
    assert.equal(await new DenyList(root).checkFile(join(root, 'src/a.ts')), undefined);
  });

  it('denies files outside the root', async () => {
    const verdict = await new DenyList(root).checkFile(join(outside, 'elsewhere.ts'));
    assert.equal(verdict?.pattern, '(outside the workspace root)');
    assert.ok(!verdict?.file.startsWith('/') && !verdict?.file.includes(outside), `no absolute path: ${verdict?.file}`);
  });

  it('judges a symlink by its real path too, so it cannot smuggle a secret or an outside file in', async () => {
    const list = new DenyList(root);
    const toEnv = await list.checkFile(join(root, 'src/config.ts'));
    assert.deepEqual([toEnv?.file, toEnv?.pattern, toEnv?.source], ['src/config.ts -> .env', '.env*', 'default, secret file']);
    const toOutside = await list.checkFile(join(root, 'src/linked.ts'));
    assert.equal(toOutside?.pattern, '(outside the workspace root): a link to …/elsewhere.ts', 'the link\'s absolute target is not shown');
  });

  it('throws an error that names the file, the pattern, its source, and how to fix it', async () => {
    const list = new DenyList(root, [], 'private/\n');
    await assert.rejects(list.assertAllowed(join(root, 'private/x.ts')), (e: unknown) => {
      assert.ok(isDeniedFileError(e) && isContextError(e, 'denied-file') && e instanceof DeniedFileError);
      assert.deepEqual([e.file, e.pattern, e.source], ['private/x.ts', 'private/', '.contextignore line 1']);
      assert.match(e.message, /private\/x\.ts is excluded from context by the pattern "private\/" \(\.contextignore line 1\)\. To allow it, remove that pattern or add "!private\/"/);
      assert.deepEqual(e.toJSON(), { code: 'denied-file', message: e.message, file: 'private/x.ts', pattern: 'private/', source: '.contextignore line 1' });
      return true;
    });
    await assert.rejects(list.assertAllowed(join(root, '.env')), /Secret files and files outside the workspace are never sent/);
  });
});
