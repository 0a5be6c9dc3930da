// Context and agent settings, section fields and queued requests out of bounds: one line each
// naming the setting, the value and the allowed range; the default used; package.json agrees.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AGENT_LIMIT_BOUNDS, DEFAULT_LIMITS, parseLimits } from '../../src/agent/limits';
import { CONTEXT_BOUNDS, DEFAULT_CONTEXT, parseContextSettings } from '../../src/context/contextSettings';
import { SECTION_BOUNDS, parseChainConfig } from '../../src/gateway/chainConfig';
import { POLICY_BOUNDS } from '../../src/gateway/routing/policyConfig';
import { MAX_LIMIT_USD } from '../../src/gateway/guardrails/budgetConfig';
import { TEAM_BOUNDS } from '../../src/gateway/guardrails/redis/teamConfig';
import { resumeOutcome } from '../../src/gateway/guardrails/resumeOutcome';
import { queuedRequestProblem } from '../../src/gateway/guardrails/local/stateShapes';
import { readSettings, type InspectedSetting } from '../../src/vscode/settingsReader';
import { REPO_ROOT } from './assets';
import { tempDir } from './support/tempDir';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const route = { id: 'r', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9', secret: 'NO_SUCH_KEY_SET' };

describe('context settings out of bounds', () => {
  it('parseContextSettings names the setting, the value and the range, and keeps the default', () => {
    const read = parseContextSettings({ maxTokens: 'lots', safetyFactor: 99, exclude: 'secrets/' }, 'context');
    assert.deepEqual(read.context, { exclude: [], maxTokens: DEFAULT_CONTEXT.maxTokens, safetyFactor: DEFAULT_CONTEXT.safetyFactor });
    assert.equal(read.problems.length, 3, read.problems.join('\n'));
    assert.match(read.problems.join('\n'), /"context\.maxTokens" is "lots" \(a string\); it must be a whole number from 256 to 1000000; using 8000/);
    assert.match(read.problems.join('\n'), /"context\.safetyFactor" is 99; it must be a number from 1 to 4; using 1\.25/);
    assert.match(read.problems.join('\n'), /"context\.exclude" must be a list of globs/);
    assert.match(parseContextSettings({ maxTokens: 1e308 }).problems[0]!, /maxTokens" is 1e\+308/);
    assert.match(parseContextSettings({ exclude: ['a/', 3] }).problems[0]!, /"context\.exclude\[1\]" is 3/);
    assert.match(parseContextSettings({ maxTokenz: 5 }).problems[0]!, /"context\.maxTokenz" is not a context setting \(did you mean "maxTokens"\?\)/);
    assert.deepEqual(parseContextSettings({ maxTokens: 4000, safetyFactor: 1.5, exclude: ['a/'] }), { context: { exclude: ['a/'], maxTokens: 4000, safetyFactor: 1.5 }, problems: [] });
  });

  it('the VS Code settings reader reports context and agent values out of bounds', () => {
    const values: Record<string, InspectedSetting> = {
      'context.maxTokens': { defaultValue: 8000, globalValue: -5 },
      'context.safetyFactor': { defaultValue: 1.25, globalValue: 'x' },
      'agent.maxTurns': { defaultValue: 6, globalValue: 1e9 },
    };
    const read = readSettings((key) => values[key], true);
    assert.equal(read.context.maxTokens, 8000);
    assert.equal(read.context.safetyFactor, 1.25);
    const text = read.problems.join('\n');
    assert.match(text, /contextGateway\.context\.maxTokens" is -5; it must be a whole number from 256 to 1000000; using 8000/);
    assert.match(text, /contextGateway\.context\.safetyFactor" is "x" \(a string\)/);
    assert.match(text, /contextGateway\.agent\.maxTurns" is 1000000000; it must be a whole number from 1 to 50; using 6/);
    assert.equal(read.agent.maxTurns, 6);
    assert.equal(read.problems.length, 3, text);
  });

  it('the CLI reports a bad context section on stderr, one line each, with no internal error', async () => {
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({ routes: [route], context: { maxTokens: 'lots', safetyFactor: -1, exclude: 7 }, agent: { maxTurns: 1e9 } }));
    const file = join(dir, 'a.ts');
    await writeFile(file, 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
    const run = spawnSync(process.execPath, [CLI, 'ask', '--routes', routes, '--state-dir', join(dir, 'state'), '--file', file, '--symbol', 'add'], { encoding: 'utf8' });
    assert.doesNotMatch(run.stderr, /TypeError|is not a function|is not iterable/);
    assert.match(run.stderr, /"context\.maxTokens" is "lots"/);
    assert.match(run.stderr, /"context\.safetyFactor" is -1; it must be a number from 1 to 4/);
    assert.match(run.stderr, /"context\.exclude" must be a list of globs/);
    assert.match(run.stderr, /"agent\.maxTurns" is 1000000000; it must be a whole number from 1 to 50; using 6/);
  });
});

describe('agent limits out of bounds', () => {
  it('names the limit, the value and the range, and keeps the default', () => {
    const { limits, problems } = parseLimits({ maxTurns: 1e9, maxToolCalls: 2.5, maxTokens: '60000', maxContextTokens: 10 });
    assert.deepEqual(limits, DEFAULT_LIMITS);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /"agent\.maxTurns" is 1000000000; it must be a whole number from 1 to 50; using 6/);
    assert.match(problems[2]!, /"agent\.maxTokens" is "60000" \(a string\)/);
    assert.match(problems[3]!, /"agent\.maxContextTokens" is 10; it must be a whole number from 256 to/);
    assert.match(parseLimits({ maxTurn: 3 }).problems[0]!, /"agent\.maxTurn" is not an agent limit \(did you mean "maxTurns"\?\)/);
  });
});

describe('unknown fields in sections', () => {
  it('names a misspelt cache, queue, alerts or notifications field and the nearest known one', () => {
    const { problems } = parseChainConfig({
      cache: { maxEntires: 5 }, queue: { maxAgeHour: 3 }, alerts: { windowMinutes: 5, maxFailover: 2 }, notifications: { webhookURL: 'http://127.0.0.1:1' },
    });
    const text = problems.join('\n');
    assert.equal(problems.length, 4, text);
    assert.match(text, /Cache: "maxEntires" is not a cache setting; known: ttlSeconds/);
    assert.match(text, /Queue: "maxAgeHour" is not a queue setting \(did you mean "maxAgeHours"\?\)/);
    assert.match(text, /Alerts: "maxFailover" is not an alerts setting \(did you mean "maxFailovers"\?\)/);
    assert.match(text, /Notifications: "webhookURL" is not a notifications setting \(did you mean "webhookUrl"\?\)/);
    assert.match(parseChainConfig({ cache: 5 }).problems[0]!, /Cache: must be an object/);
  });
});

describe('package.json bounds', () => {
  it('every numeric setting has a type and bounds, and they agree with the code', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const blocks = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const props: Record<string, { type?: string | string[]; minimum?: number; maximum?: number; exclusiveMinimum?: number }> = Object.assign({}, ...blocks.map((b: { properties: object }) => b.properties));
    const expected: Record<string, readonly [number, number]> = {};
    for (const [k, b] of Object.entries(CONTEXT_BOUNDS)) expected[`context.${k}`] = [b.min, b.max];
    for (const [k, b] of Object.entries(AGENT_LIMIT_BOUNDS)) expected[`agent.${k}`] = [b.min, b.max];
    for (const [k, b] of Object.entries(POLICY_BOUNDS)) expected[`policy.${k}`] = b;
    for (const [k, b] of Object.entries(SECTION_BOUNDS)) expected[k] = [b.min, b.max];
    for (const [k, b] of Object.entries(TEAM_BOUNDS)) expected[`team.${k}`] = [b.min, b.max];
    expected['budget.limitUsd'] = [0, MAX_LIMIT_USD];
    for (const [key, [min, max]] of Object.entries(expected)) {
      const p = props[`contextGateway.${key}`];
      assert.ok(p, `contextGateway.${key} is declared`);
      assert.deepEqual([p.minimum, p.maximum], [min, max], `contextGateway.${key} bounds`);
    }
    for (const [key, p] of Object.entries(props)) {
      const types = ([] as string[]).concat(p.type ?? []);
      if (!types.some((t) => t === 'number' || t === 'integer')) continue;
      assert.ok(p.minimum !== undefined || p.exclusiveMinimum !== undefined, `${key} has a minimum`);
      assert.ok(p.maximum !== undefined, `${key} has a maximum`);
      if (key !== 'contextGateway.budget.pauseAtPercent' && key !== 'contextGateway.budget.limitUsd') assert.ok(expected[key.slice('contextGateway.'.length)], `${key} has bounds in code`);
    }
  });
});

describe('queued requests with an absurd maxOutputTokens', () => {
  const entry = (maxOutputTokens: unknown) => ({
    id: 'q-abc-0123abcd', seq: 1, createdAt: new Date(0).toISOString(), reason: 'all-routes-failed', idempotencyKey: 'k', label: 'l', attempts: [],
    request: { messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], maxOutputTokens },
  });
  it('is a problem for every value no route could accept', () => {
    for (const bad of [1e308, -1, 2.5, 0, 2_000_000, 1e15, '100']) {
      assert.match(queuedRequestProblem(entry(bad), { seq: 1, id: 'q-abc-0123abcd' }) ?? '', /"request\.maxOutputTokens" is .*, not a whole number from 1 to 1000000/, String(bad));
    }
    assert.equal(queuedRequestProblem(entry(4096), { seq: 1, id: 'q-abc-0123abcd' }), undefined);
  });
});

describe('resume with an invalid budget', () => {
  it('says requests stay held until the setting is fixed, naming the problem', () => {
    const text = resumeOutcome({ gate: 'budget-invalid' }, 'Budget: "limitUsd" is "20" (a string); set it to a number.');
    assert.match(text, /stay held until the budget setting is fixed/);
    assert.match(text, /"limitUsd" is "20"/);
    assert.doesNotMatch(text, /\bresumed\b/);
    assert.match(resumeOutcome({}, undefined), /resumed/);
    assert.match(resumeOutcome({ gate: 'budget-exhausted' }, undefined), /spent/);
  });

  it('the CLI budget resume says the requests stay held and why', async () => {
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({ routes: [route], budget: { limitUsd: '20' } }));
    const run = spawnSync(process.execPath, [CLI, 'budget', 'resume', '--routes', routes, '--state-dir', join(dir, 'state')], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /stay held until the budget setting is fixed.*limitUsd/);
  });
});
