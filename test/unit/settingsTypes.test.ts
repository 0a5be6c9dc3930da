// Settings of the wrong type or out of bounds: one line each naming the setting and the fix, the
// default kept; never an internal error, never an impossible request.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_TASKS, parseTaskPrompts, systemPromptFor } from '../../src/agent/tasks';
import { describeRouteProblem, parseRoutes } from '../../src/gateway/routing/routes';
import { readSettings, type InspectedSetting } from '../../src/vscode/settingsReader';
import { REPO_ROOT } from './assets';
import { tempDir } from './support/tempDir';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const route = { id: 'r', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini' };

describe('task prompts of the wrong type', () => {
  it('the CLI says which task prompt is wrong on stderr and answers with the built-in prompt', async () => {
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({ routes: [{ ...route, baseUrl: 'http://127.0.0.1:9', secret: 'NO_SUCH_KEY_SET' }], tasks: { explain: 5 } }));
    const file = join(dir, 'a.ts');
    await writeFile(file, 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
    const run = spawnSync(process.execPath, [CLI, 'ask', '--routes', routes, '--state-dir', join(dir, 'state'), '--file', file, '--symbol', 'add'], { encoding: 'utf8' });
    assert.doesNotMatch(run.stderr, /trim is not a function|TypeError/);
    assert.match(run.stderr, /tasks\.explain.*must be the text of a system prompt/);
  });
});

describe('numbers with bounds', () => {
  it('refuses maxOutputTokens past 1,000,000 or past the route\'s context window', () => {
    const huge = parseRoutes([{ ...route, maxOutputTokens: 1e308 }]);
    assert.equal(huge.routes.length, 0);
    assert.match(describeRouteProblem(huge.problems[0]!), /Route "r" \(routes\[0\]\): field "maxOutputTokens" must be a whole number of tokens from 1 to 1000000/);
    const over = parseRoutes([{ ...route, contextWindow: 8_000, maxOutputTokens: 16_000 }]);
    assert.equal(over.routes.length, 0);
    assert.match(describeRouteProblem(over.problems[0]!), /"maxOutputTokens" is 16000, more than the route's contextWindow \(8000\)/);
    assert.equal(parseRoutes([{ ...route, contextWindow: 1e12 }]).problems.length, 1);
    assert.equal(parseRoutes([{ ...route, inputPricePerMTok: 1e300 }]).problems.length, 1);
    assert.equal(parseRoutes([{ ...route, contextWindow: 128_000, maxOutputTokens: 16_000, inputPricePerMTok: 2.5, outputPricePerMTok: 10 }]).problems.length, 0);
  });

  it('the CLI with a budget refuses the impossible route at once instead of queueing every request', async () => {
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({ routes: [{ ...route, baseUrl: 'http://127.0.0.1:9', maxOutputTokens: 1e308, outputPricePerMTok: 10 }], budget: { limitUsd: 5 } }));
    const run = spawnSync(process.execPath, [CLI, 'ask', '--routes', routes, '--state-dir', join(dir, 'state'), '--prompt', 'hi'], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /maxOutputTokens/);
    assert.doesNotMatch(run.stderr + run.stdout, /no route fits the money budget|queued/i);
  });
});

describe('task prompts parsed', () => {
  it('reports a prompt that is not text and keeps the built-in one; systemPromptFor never throws', () => {
    const { prompts, problems } = parseTaskPrompts({ explain: 5, bugs: 'Look harder.', tests: '', nonsense: 'x' });
    assert.deepEqual(prompts, { bugs: 'Look harder.', tests: '' });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /tasks\.explain.*must be the text of a system prompt.*built-in/);
    assert.match(problems[1]!, /tasks\.nonsense.*is not a task; known: explain, bugs, tests, refactor, custom/);
    assert.equal(systemPromptFor('explain', { explain: 5 } as unknown as Record<string, string>), DEFAULT_TASKS.explain.systemPrompt);
    assert.match(parseTaskPrompts([1]).problems[0]!, /tasks.*must be an object/);
    assert.match(parseTaskPrompts({ custom: 'x'.repeat(100_001) }).problems[0]!, /at most 100000 characters/);
  });

  it('the VS Code settings reader reports a task prompt of the wrong type and keeps the built-in one', () => {
    const values: Record<string, InspectedSetting> = {
      'tasks.explain': { defaultValue: '', globalValue: 5 },
      'tasks.bugs': { defaultValue: '', globalValue: 'Look harder.' },
    };
    const read = readSettings((key) => values[key], true);
    assert.deepEqual(read.tasks, { bugs: 'Look harder.' });
    assert.equal(read.problems.length, 1, read.problems.join('\n'));
    assert.match(read.problems[0]!, /contextGateway\.tasks\.explain.*must be the text of a system prompt/);
  });
});
