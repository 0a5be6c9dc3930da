// What the CLI's text output lets reach a terminal when a file name, file content, a provider's
// error or a model's answer carries control sequences: none of them; JSON output stays exact.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { runCli, type CliRun } from './support/cliProcess';
import { tempDir } from './support/tempDir';

/** Clear screen, colour, a window title, an OSC 8 hyperlink, BEL, a carriage return and C1 controls (CSI, NEL, DCS string). */
const NASTY = 'safe \x1b[2J\x1b[31mred\x1b[0m \x1b]0;title\x07\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\ bell\x07 over\rwrite \x9b31mc1\x85 \x90dcs\x9cend';
/** What a terminal may see of NASTY: the words, nothing that moves the cursor or changes the screen. */
const NASTY_PLAIN = 'safe red link bell overwrite c1 end';
/** A name a file may really have on Linux. */
const NASTY_NAME = 'evil\x1b[2J\x1b]8;;x.test\x07\x9b1m\r.ts';
/** Any control character but line feed and tab: each is something a terminal acts on. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const env = { ...process.env, FAKE_KEY: 'test-key' };

function assertPlain(run: CliRun, what: string): void {
  for (const [stream, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
    assert.doesNotMatch(text, CONTROL, `${what}: ${stream} holds a control character: ${JSON.stringify(text)}`);
  }
}

/** JSON output: parses, and carries no raw control character (JSON escapes them all, C1 included). */
function parsedJson(run: CliRun, what: string): any {
  assert.doesNotMatch(run.stdout, CONTROL, `${what}: the JSON holds a raw control character: ${JSON.stringify(run.stdout)}`);
  return JSON.parse(run.stdout);
}

let ws: string;
let file: string;
before(async () => {
  ws = await mkdtemp(join(tmpdir(), 'cg-terminal-'));
  await writeFile(join(ws, 'package.json'), '{}');
  await mkdir(join(ws, 'src'));
  file = join(ws, 'src', NASTY_NAME);
  await writeFile(file, `export function shout(): string {\n\t// ${NASTY}\n\treturn 'x';\n}\n`);
});
after(() => rm(ws, { recursive: true, force: true }));

describe('cli text output: file names and content', () => {
  it('extract prints the summary and payload without control sequences, tabs and lines kept; --json is exact', async () => {
    const text = await runCli(['extract', file, '--symbol', 'shout', '--root', ws], env);
    assert.equal(text.status, 0, text.stderr);
    assertPlain(text, 'extract');
    assert.match(text.stdout, /^target {4}function shout {2}src\/evil\.ts:1-4\n/);
    assert.ok(text.stdout.includes(`export function shout(): string {\n\t// ${NASTY_PLAIN}\n\treturn 'x';\n}`), text.stdout);
    const json = await runCli(['extract', file, '--symbol', 'shout', '--root', ws, '--json'], env);
    assert.equal(json.status, 0, json.stderr);
    const out = parsedJson(json, 'extract --json');
    assert.equal(out.target.file, `src/${NASTY_NAME}`);
    assert.ok(out.target.text.includes(`\t// ${NASTY}\n`), 'the JSON carries the text exactly');
  });

  it('symbols prints the file name without control sequences; --json is exact', async () => {
    const text = await runCli(['symbols', file], env);
    assert.equal(text.status, 0, text.stderr);
    assertPlain(text, 'symbols');
    assert.match(text.stdout, /evil\.ts: 1 top-level definitions, \d+ tokens/);
    assert.match(text.stdout, /^shout {2}function {3}lines 1-4$/m);
    const json = await runCli(['symbols', file, '--json'], env);
    assert.equal(parsedJson(json, 'symbols --json').file, file);
  });

  it('deny-list prints patterns and checked files without control sequences; --json is exact', async () => {
    const glob = `x${NASTY}/`;
    const text = await runCli(['deny-list', '--root', ws, '--exclude', glob, '--check', file], env);
    assert.equal(text.status, 0, text.stderr);
    assertPlain(text, 'deny-list');
    assert.ok(text.stdout.includes(`x${NASTY_PLAIN}/`), text.stdout);
    assert.match(text.stdout, /^allowed {2}.*evil\.ts$/m);
    const json = parsedJson(await runCli(['deny-list', '--root', ws, '--exclude', glob, '--check', file, '--json'], env), 'deny-list --json');
    assert.ok(json.entries.some((e: { pattern: string }) => e.pattern.includes(NASTY)), 'the pattern is exact in JSON');
    assert.equal(json.checks[0].file, file);
  });

  it('error lines carry the file name and the command without control sequences', async () => {
    const missing = await runCli(['extract', join(ws, `missing${NASTY}.ts`), '--symbol', 'x', '--root', ws], env);
    assert.equal(missing.status, 1);
    assertPlain(missing, 'extract of a missing file');
    assert.match(missing.stderr, /missing/);
    const unreadable = await runCli(['symbols', join(ws, `gone${NASTY_NAME}`)], env);
    assert.equal(unreadable.status, 1);
    assertPlain(unreadable, 'symbols of a missing file');
    assert.match(unreadable.stderr, /Cannot read .*goneevil\.ts: no such file/);
    const unknown = await runCli([`ex${NASTY}`], env);
    assert.equal(unknown.status, 2);
    assertPlain(unknown, 'an unknown command');
    assert.ok(unknown.stderr.includes(`Unknown command "ex${NASTY_PLAIN}".\nRun with --help`), unknown.stderr);
  });
});

describe('cli text output: provider and model text', () => {
  let openai: FakeProvider;
  const refusing = { url: '', close: async () => {} };
  before(async () => {
    openai = await startFakeProvider('openai');
    // A provider whose error message is hostile: the CLI prints it as the reason the request failed.
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `Invalid request: ${NASTY}`, type: 'invalid_request_error', code: null, param: null } })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    refusing.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    refusing.close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  after(async () => {
    await openai.close();
    await refusing.close();
  });

  async function routesTo(baseUrl: string): Promise<{ routes: string; stateDir: string }> {
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({
      routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl, secret: 'FAKE_KEY', maxOutputTokens: 1_000 }],
      policy: { retries: 2, timeoutMs: 5_000, initialDelayMs: 1, maxDelayMs: 5 },
    }));
    return { routes, stateDir: join(dir, 'state') };
  }

  it('prints a provider\'s error text without control sequences', async () => {
    const { routes, stateDir } = await routesTo(refusing.url);
    const failed = await runCli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', 'hello'], env);
    assert.equal(failed.status, 1, failed.stderr);
    assertPlain(failed, 'a provider error');
    assert.match(failed.stderr, /All routes failed/);
    // A provider's words have their whitespace collapsed first: the carriage return became a space.
    assert.ok(failed.stderr.includes(`Invalid request: ${NASTY_PLAIN.replace('overwrite', 'over write')}`), failed.stderr);
  });

  it('queue list, drain and show print labels and answers without control sequences; --json is exact', async () => {
    openai.reset();
    const { routes, stateDir } = await routesTo(openai.url);
    for (let i = 0; i < 3; i++) openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const prompt = `q \x1b[2J\x07\x9b1m\rx`;
    const asked = await runCli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', prompt, '--json'], env);
    assert.equal(asked.status, 75, asked.stderr);
    const id = parsedJson(asked, 'ask --json').queueId as string;

    const list = await runCli(['queue', 'list', '--state-dir', stateDir], env);
    assert.equal(list.status, 0, list.stderr);
    assertPlain(list, 'queue list');
    assert.match(list.stdout, new RegExp(`^${id} .* ask: q x$`, 'm'));
    const listJson = parsedJson(await runCli(['queue', 'list', '--state-dir', stateDir, '--json'], env), 'queue list --json');
    assert.equal(listJson.queued[0].label, `ask: ${prompt}`);

    openai.script({ reply: { text: `${NASTY}\n\tindented` } });
    const drained = await runCli(['queue', 'drain', '--routes', routes, '--state-dir', stateDir], env);
    assert.equal(drained.status, 0, drained.stderr);
    assertPlain(drained, 'queue drain');
    assert.match(drained.stdout, new RegExp(`^${id} {2}answered by main {2}ask: q x$`, 'm'));

    const shown = await runCli(['queue', 'show', id, '--state-dir', stateDir], env);
    assert.equal(shown.status, 0, shown.stderr);
    assertPlain(shown, 'queue show');
    assert.equal(shown.stdout, `${NASTY_PLAIN}\n\tindented\n`);
    const shownJson = parsedJson(await runCli(['queue', 'show', id, '--state-dir', stateDir, '--json'], env), 'queue show --json');
    assert.equal(shownJson.response.message.parts[0].text, `${NASTY}\n\tindented`);
    assert.equal(shownJson.label, `ask: ${prompt}`);
  });
});
