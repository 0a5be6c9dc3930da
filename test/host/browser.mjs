// Finds a Chromium for the host tests without asking the user to install one: CHROME_PATH
// first, then a system Chromium/Chrome, else the Linux x64 build that ships inside the npm
// package @sparticuz/chromium (a dev dependency), unpacked once into the ignored cache folder.
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { CACHE_DIR, run, SetupError } from './vscodeServer.mjs';

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome'];
const PACKAGE = '@sparticuz/chromium';

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first system browser on PATH or in the usual places, or undefined. */
function systemBrowser() {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of SYSTEM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return SYSTEM_PATHS.find(isExecutable);
}

/**
 * The packaged browser, unpacked into `.vscode-test/chromium-<version>/` on first use. The
 * package unpacks into the temp folder, so a child process with TMPDIR pointing at a staging
 * folder does it, and the folder is renamed into place only when complete: an interrupted
 * unpack never leaves a half-written browser behind.
 */
async function packagedBrowser(log) {
  const require = createRequire(import.meta.url);
  let packageJson;
  try {
    // The package's exports hide package.json; its folder is found from its entry point.
    packageJson = join(require.resolve(PACKAGE), '..', '..', '..', 'package.json');
  } catch {
    throw new SetupError(`No browser found: CHROME_PATH is not set, no system Chromium/Chrome is installed, and ${PACKAGE} is missing from node_modules (run "npm ci").`);
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`No browser found: ${PACKAGE} carries a Linux x64 build only (this is ${process.platform}-${process.arch}). Install Chromium or Chrome, or set CHROME_PATH.`);
  }
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8'));
  const folder = join(CACHE_DIR, `chromium-${version}`);
  const binary = join(folder, 'chromium');
  if (existsSync(binary)) return checked({ executablePath: binary, env: browserEnv(folder), source: `${PACKAGE} ${version} (cached)` });

  log(`no system browser: unpacking ${PACKAGE} ${version} into ${folder} (once)`);
  await mkdir(CACHE_DIR, { recursive: true });
  const staging = await mkdtemp(join(CACHE_DIR, `chromium-${version}.partial-`));
  try {
    const script = `import('${PACKAGE}').then((m) => m.default.executablePath())`;
    const output = await run(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: staging }, timeoutMs: 180_000 });
    if (!isExecutable(join(staging, 'chromium'))) throw new SetupError(`${PACKAGE} did not unpack a browser into ${staging}.\n${output.slice(-2000)}`);
    await rm(folder, { recursive: true, force: true });
    await rename(staging, folder);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return checked({ executablePath: binary, env: browserEnv(folder), source: `${PACKAGE} ${version}` });
}

/**
 * The packaged build links against a few system libraries (NSS, NSPR, expat); name any that
 * are missing instead of letting the launch fail with a loader message.
 */
function checked(browser) {
  const ldd = spawnSync('ldd', [browser.executablePath], { encoding: 'utf8' });
  const missing = (ldd.stdout ?? '').split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(/\s/)[0]);
  if (missing.length) {
    throw new SetupError(`The packaged Chromium (${browser.executablePath}) needs ${missing.join(', ')}, which this machine lacks: install them (on Debian: apt-get install libnss3 libnspr4 libexpat1) or set CHROME_PATH.`);
  }
  return browser;
}

/**
 * The packaged build brings a few fonts, but its fonts.conf names serverless folders that do
 * not exist here (a workbench with no usable font stalls). Our own config adds those fonts to
 * the system's, with the font cache kept in the same ignored folder.
 */
function browserEnv(folder) {
  const config = join(folder, 'fonts.conf');
  if (!existsSync(config)) {
    writeFileSync(config, [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
      `  <dir>${join(folder, 'fonts', 'fonts')}</dir>`,
      `  <cachedir>${join(folder, 'fonts-cache')}</cachedir>`,
      '</fontconfig>',
      '',
    ].join('\n'));
  }
  return { FONTCONFIG_FILE: config };
}

/**
 * The browser to drive: `{ executablePath, env, source }`.
 * @throws SetupError when none can be had, saying what to install or set.
 */
export async function findBrowser(log) {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new SetupError(`CHROME_PATH is ${fromEnv}, which is not an executable file. Fix it or unset it to use a system or packaged browser.`);
    return { executablePath: fromEnv, env: {}, source: 'CHROME_PATH' };
  }
  const system = systemBrowser();
  if (system) return { executablePath: system, env: {}, source: 'system' };
  return packagedBrowser(log);
}
