// The end-to-end example of the README: the CLI explains a real function of this repository
// (parseRoutes in src/gateway/routing/routes.ts) through a two-route chain of fake providers on
// loopback. The hot route (OpenAI format) is overloaded; the warm route (Anthropic format)
// reads one more symbol with a tool call, then answers.
//   npm run demo:explain        (builds first)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'cg-demo-'));
const children = [];

/** Starts a fake provider (out/test/fakes/serve.js) with a script of steps; resolves to its URL. */
function fake(kind, steps) {
  const script = join(work, `${kind}.json`);
  writeFileSync(script, JSON.stringify(steps));
  const child = spawn(process.execPath, [join(root, 'out/test/fakes/serve.js'), '--kind', kind, '--port', '0', '--key', 'demo-key', '--script', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve(JSON.parse(String(line)).url));
    child.once('exit', (code) => reject(new Error(`the ${kind} fake exited with ${code}`)));
  });
}

try {
  const overloaded = { fault: { type: 'http', failure: 'overloaded', retryAfter: 120 } };
  const openaiUrl = await fake('openai', [overloaded, overloaded]);
  const anthropicUrl = await fake('anthropic', [
    { reply: { text: 'First, the URL check it relies on.', toolCalls: [{ name: 'read_symbol', arguments: { name: 'baseUrlProblem' } }], usage: { inputTokens: 1900, outputTokens: 40 } } },
    { reply: { text: 'parseRoutes validates each route from settings: it reports every bad field (which route, which field, what is allowed) and keeps the good routes, filling default base URLs and refusing plain http:// except to loopback (baseUrlProblem).', usage: { inputTokens: 2600, outputTokens: 60 } } },
  ]);
  const routes = join(work, 'routes.json');
  writeFileSync(routes, JSON.stringify({
    routes: [
      { id: 'openai-main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openaiUrl, secret: 'OPENAI_API_KEY' },
      { id: 'claude', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: anthropicUrl, secret: 'ANTHROPIC_API_KEY' },
    ],
    policy: { retries: 1, retryAfterThresholdMs: 10000 },
  }, null, 2));
  const args = ['dist/cli.js', 'ask', '--routes', routes, '--state-dir', join(work, 'state'),
    '--file', 'src/gateway/routing/routes.ts', '--symbol', 'parseRoutes', '--task', 'explain', '--json'];
  console.log(`$ OPENAI_API_KEY=… ANTHROPIC_API_KEY=… node ${args.join(' ').replaceAll(work, '$TMP')}`);
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, OPENAI_API_KEY: 'demo-key', ANTHROPIC_API_KEY: 'demo-key' } });
  process.stderr.write(run.stderr);
  console.log(run.stdout.replaceAll(work, '$TMP'));
  process.exitCode = run.status ?? 1;
} finally {
  for (const child of children) child.kill();
  rmSync(work, { recursive: true, force: true });
}
