// Runs the extension-host test suite inside a real VS Code, headless and offline: a VS Code
// server (tests/host/vscodeServer.mjs) starts the Node extension host, and a Chromium driven by
// playwright-core (test/host/browser.mjs: CHROME_PATH, a system one, or the one packaged in npm)
// opens its workbench with our extension under development and the suite's entry as
// `extensionTestsPath`. The suite's exit code becomes this process's.
//
//   node test/host/launch.mjs [--vscode 1.100.3|1.139.1|all]... [--suite NAME]...
//
// Exit codes: 0 pass, 1 a test failed, 3 the host never reported (time-out), 4 set-up failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { format, parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CACHE_DIR, ensureServer, SetupError, VSCODE_SERVERS } from './vscodeServer.mjs';
import { SUITES } from './suites.mjs';
import { findBrowser } from './browser.mjs';

const EXIT = { pass: 0, fail: 1, timeout: 3, setup: 4 };
const ROOT = resolve(import.meta.dirname, '..', '..');
const SERVER_READY_MS = 90_000;
const RUN_TIMEOUT_MS = Number(process.env.CG_HOST_TIMEOUT_MS ?? 240_000);

const { values } = parseArgs({
  options: {
    vscode: { type: 'string', multiple: true },
    suite: { type: 'string', multiple: true },
  },
});
const requested = values.vscode ?? (process.env.CG_VSCODE_VERSIONS ?? 'all').split(',');
const versions = requested.includes('all') ? Object.keys(VSCODE_SERVERS) : requested;
const suites = values.suite ?? Object.keys(SUITES);

const log = (message) => console.log(`[host-tests] ${message}`);
/** Stops of what is running now, for an interrupt that skips the normal clean-up. */
const running = new Set();

/** A free loopback port (there is a small race until the server binds it; a clash fails fast). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not happen within ${ms / 1000} s`), { timedOut: true })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Kills a detached child and everything it started. */
function killTree(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Waits until `text` appears in the page or any of its frames (webviews are nested frames). */
async function waitForRenderedText(page, text, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (const frame of page.frames()) {
      // The editor renders spaces as no-break spaces.
      const shown = (await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '')).replaceAll('\u00a0', ' ');
      if (shown.includes(text)) return;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`"${text}" did not render within ${ms / 1000} s`);
}

const remoteUri = (port, path) => `vscode-remote://127.0.0.1:${port}${path}`;

/** Runs one suite on one VS Code version; resolves to an exit code. */
async function runSuite(version, suiteName, browserInfo) {
  const suite = SUITES[suiteName];
  if (!suite) throw new SetupError(`Unknown suite "${suiteName}"; known: ${Object.keys(SUITES).join(', ')}.`);
  const testsEntry = join(ROOT, 'out', 'test', 'host', 'suite', 'index.js');
  if (!existsSync(testsEntry)) throw new SetupError(`${testsEntry} is missing: run "npm run build:tests" first.`);
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new SetupError('dist/extension.js is missing: run "npm run build" first.');

  const { serverDir, node } = await ensureServer(version, log);
  // A short path: the host's IPC socket paths live under it and must stay under 107 characters.
  const runDir = await mkdtemp(join(tmpdir(), 'cg-host-'));
  const tmp = join(runDir, 'tmp');
  await mkdir(tmp);
  const userDataDir = join(runDir, 'user-data');
  await mkdir(join(userDataDir, 'User'), { recursive: true });
  await writeFile(join(userDataDir, 'User', 'settings.json'), JSON.stringify(suite.userSettings ?? {}, null, 2));
  const workspace = await suite.prepareWorkspace(runDir);
  // Test-only extensions are installed beside ours (the workbench takes one development path).
  for (const source of suite.extraExtensions ?? []) {
    const manifest = JSON.parse(await readFile(join(source, 'package.json'), 'utf8'));
    await cp(source, join(runDir, 'extensions', `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
  }
  const port = await freePort();

  let server;
  let browser;
  const started = performance.now();
  try {
    const args = [
      join(serverDir, 'out', 'server-main.js'),
      '--host', '127.0.0.1', '--port', String(port),
      '--without-connection-token', '--accept-server-license-terms', '--disable-telemetry',
      // Newer workbenches read extensionDevelopmentPath/extensionTestsPath from the URL only
      // in development builds or with this flag; without it the payload is silently ignored.
      '--enable-smoke-test-driver',
      '--server-data-dir', join(runDir, 'server-data'),
      '--user-data-dir', userDataDir,
      '--extensions-dir', join(runDir, 'extensions'),
      ...(suite.trusted ? ['--disable-workspace-trust'] : []),
    ];
    // CG_SCREENSHOTS tells the suite that this launcher answers its screenshot requests.
    const env = { ...process.env, TMPDIR: tmp, CG_SCREENSHOTS: '1', ...suite.env };
    server = spawn(node, args, { cwd: runDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stopServer = () => killTree(server);
    running.add(stopServer);
    let serverOutput = '';
    const ready = new Promise((resolveReady, reject) => {
      const onData = (d) => {
        serverOutput += d;
        if (serverOutput.includes('Web UI available at')) resolveReady();
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.once('exit', (code) => reject(new SetupError(`The VS Code server exited with ${code} before it was ready.\n${serverOutput.slice(-4000)}`)));
    });
    await withTimeout(ready, SERVER_READY_MS, 'The VS Code server start').catch((e) => {
      throw new SetupError(`${e.message}\n${serverOutput.slice(-4000)}`);
    });

    browser = await withTimeout(chromium.launch({
      executablePath: browserInfo.executablePath,
      headless: true,
      env: { ...process.env, ...browserInfo.env, TMPDIR: tmp },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
    }), 60_000, 'Chromium start').catch((e) => {
      throw new SetupError(`Chromium (${browserInfo.source}: ${browserInfo.executablePath}) did not start (${e.message}). Set CHROME_PATH to a working Chromium or Chrome.`);
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const screenshots = join(ROOT, 'out', 'screenshots');
    let pendingShots = Promise.resolve();
    const exited = new Promise((resolveExit) => {
      void page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      // The host forwards console calls as (type, [format, ...values]).
      const text = format(...(Array.isArray(args) ? args : [args]));
      // A test asks for a screenshot by logging `[[screenshot:{JSON}]]` (see suite/support.ts):
      // optionally hovering an element first (a status bar item, to show its tooltip) and
      // waiting until a text has rendered in some frame (webviews are frames the extension
      // host cannot see). The outcome is written to the request's `done` file for the test.
      const shot = /\[\[screenshot:(\{.*\})\]\]/.exec(text);
      if (shot) {
        const request = JSON.parse(shot[1]);
        pendingShots = pendingShots.then(async () => {
          try {
            await mkdir(screenshots, { recursive: true });
            // Generous: a loaded CI machine renders a webview slowly, and a missing text fails the test.
            if (request.text) await waitForRenderedText(page, request.text, 45_000);
            if (request.hover) {
              await page.hover(request.hover, { timeout: 5_000 });
              await page.waitForSelector('.monaco-hover, .workbench-hover', { timeout: 5_000 }).catch(() => undefined);
              await page.waitForTimeout(500);
            }
            await page.screenshot({ path: join(screenshots, `${request.name}-${version}.png`) });
            if (request.hover) await page.mouse.move(700, 400);
            await writeFile(request.done, JSON.stringify({ ok: true }));
          } catch (e) {
            log(`screenshot ${request.name} failed: ${e.message}`);
            await writeFile(request.done, JSON.stringify({ ok: false, error: e.message })).catch(() => {});
          }
        });
        return;
      }
      for (const line of text.split('\n')) console.log(`  ${type === 'error' ? '!' : '|'} ${line}`);
    });

    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remoteUri(port, ROOT)],
      ['extensionTestsPath', remoteUri(port, testsEntry)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ]);
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
    log(`VS Code ${version}, suite "${suiteName}": workspace ${workspace}${suite.trusted ? '' : ' (untrusted)'}`);
    await withTimeout(page.goto(url, { waitUntil: 'domcontentloaded' }), 60_000, 'Opening the workbench');
    const code = await withTimeout(exited, RUN_TIMEOUT_MS, 'The extension host reporting its exit code');
    await pendingShots;
    log(`VS Code ${version}, suite "${suiteName}": exit code ${code} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return code === 0 ? EXIT.pass : EXIT.fail;
  } catch (e) {
    if (e.timedOut) {
      log(`${e.message}: the workbench or the extension host hung. Check the output above.`);
      return EXIT.timeout;
    }
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    killTree(server);
    running.clear();
    await rm(runDir, { recursive: true, force: true }).catch(() => {});
  }
}

let exitCode = EXIT.pass;
const onSignal = () => {
  log('interrupted: stopping the server and the browser');
  for (const stop of running) stop();
  process.exit(130);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  const browserInfo = await findBrowser(log);
  log(`browser: ${browserInfo.executablePath} (${browserInfo.source})`);
  for (const version of versions) {
    for (const suiteName of suites) {
      const code = await runSuite(version, suiteName, browserInfo);
      if (code !== EXIT.pass && exitCode === EXIT.pass) exitCode = code;
    }
  }
} catch (e) {
  log(e instanceof SetupError ? `set-up failed: ${e.message}` : `launcher error: ${e.stack ?? e}`);
  exitCode = EXIT.setup;
}
process.exit(exitCode);
