// Paths a hostile or unlucky command line gives: secret folders without a project around them,
// a repository re-including its own .git, and special files that would hang a read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DenyList } from '../../src/context/denyList';
import { readRegularFile } from '../../src/context/regularFile';
import { REPO_ROOT } from './assets';
import { tempDir } from './support/tempDir';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });

describe('secret folders and version control, whatever the root', () => {
  it('denies a file in a secret folder when the root is that folder itself (no project marker above it)', async () => {
    const ssh = join(await tempDir(), '.ssh');
    await mkdir(ssh);
    await writeFile(join(ssh, 'helper.ts'), 'export function helper() { return 1; }\n');
    const verdict = await new DenyList(ssh).checkFile(join(ssh, 'helper.ts'));
    assert.equal(verdict?.pattern, '.ssh/');
    assert.equal(verdict?.file, 'helper.ts', 'the verdict names the file relative to the root, not its absolute path');
    const extract = cli(ssh, 'extract', 'helper.ts', '--symbol', 'helper');
    assert.notEqual(extract.status, 0, extract.stdout);
    assert.doesNotMatch(extract.stdout, /return 1/, 'nothing of the file is printed');
    assert.match(extract.stderr, /\.ssh\//);
    const check = cli(ssh, 'deny-list', '--check', join(ssh, 'helper.ts'));
    assert.match(check.stdout + check.stderr, /denied/i);
  });

  it('keeps .git denied even when .contextignore says !.git/', () => {
    const list = new DenyList('/ws', [], '!.git/\n!.git/config\n');
    assert.equal(list.check('.git/config')?.pattern, '.git/');
    assert.equal(list.check('sub/.git/hooks/pre-commit')?.pattern, '.git/');
    assert.ok(list.entries().some((e) => e.pattern === '.git/' && e.locked), 'listed as locked');
  });
});

describe('special files', () => {
  it('refuses a FIFO named like a source file instead of hanging, in the reader and in extract and symbols', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'package.json'), '{}');
    const fifo = join(dir, 'x.ts');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo is available');
    await assert.rejects(readRegularFile(fifo), /not a regular file/);
    for (const args of [['extract', 'x.ts', '--symbol', 'x'], ['symbols', 'x.ts']]) {
      const run = cli(dir, ...args);
      assert.equal(run.error, undefined, `${args[0]} returned (it did not hang)`);
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /not a regular file/, `${args[0]}: ${run.stderr}`);
    }
  });
});
