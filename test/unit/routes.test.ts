import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseUrlProblem, describeRouteProblem, isLoopbackHost, parseRoutes } from '../../src/gateway/routing/routes';

describe('route validation', () => {
  it('accepts good routes and fills default base URLs', () => {
    const { routes, problems } = parseRoutes([
      { id: 'openai-main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', secret: 'OPENAI_API_KEY' },
      { id: 'claude', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', inputPricePerMTok: 3, outputPricePerMTok: 15 },
      { id: 'local', tier: 'warm', provider: 'openai-compatible', model: 'llama3', baseUrl: 'http://127.0.0.1:11434/v1/' },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(routes.map((r) => r.baseUrl), ['https://api.openai.com/v1', 'https://api.anthropic.com', 'http://127.0.0.1:11434/v1']);
  });

  it('reports each bad field with the route and what is allowed, and keeps the good routes', () => {
    const { routes, problems } = parseRoutes([
      { id: 'a', tier: 'cold', provider: 'openai', model: 'm' },
      { id: 'b', tier: 'hot', provider: 'mistral', model: 'm' },
      { id: 'c', tier: 'hot', provider: 'openai', model: 'm', baseUrl: 'http://evil.example.com/v1' },
      { id: 'd', tier: 'hot', provider: 'openai-compatible', model: 'm' },
      { id: 'e', tier: 'hot', provider: 'openai', model: 'm', apiKey: 'sk-nope' },
      { id: 'ok', tier: 'warm', provider: 'gemini', model: 'gemini-2.5-flash' },
      { id: 'ok', tier: 'warm', provider: 'gemini', model: 'gemini-2.5-pro' },
      'not an object',
    ]);
    assert.deepEqual(routes.map((r) => r.id), ['ok']);
    const lines = problems.map(describeRouteProblem);
    assert.deepEqual(lines, [
      'Route "a" (routes[0]): field "tier" is "cold"; allowed: "hot", "warm".',
      'Route "b" (routes[1]): field "provider" is "mistral"; allowed: "openai", "anthropic", "gemini", "openai-compatible", "vscode-lm".',
      'Route "c" (routes[2]): field "baseUrl" uses plain http:// to evil.example.com; only loopback (localhost, 127.0.0.1, ::1) may use http://, use https:// for anything else.',
      'Route "d" (routes[3]): field "baseUrl" is required for provider "openai-compatible".',
      'Route "e" (routes[4]): field "apiKey" is not a route field; allowed: id, tier, provider, model, baseUrl, secret, inputPricePerMTok, outputPricePerMTok, contextWindow, maxOutputTokens, vendor, family, version.',
      'Route "ok" (routes[6]): field "id" "ok" is used by an earlier route; route ids must be unique.',
      'Route (routes[7]) must be an object with at least "id", "tier", "provider" and "model".',
    ]);
  });

  it('allows plain http only to loopback and never credentials in the URL', () => {
    assert.equal(baseUrlProblem('http://localhost:8080'), undefined);
    assert.equal(baseUrlProblem('http://[::1]:8080/v1'), undefined);
    assert.equal(baseUrlProblem('http://127.3.2.1'), undefined);
    assert.match(baseUrlProblem('http://127.0.0.1.nip.io') ?? '', /only loopback/);
    assert.match(baseUrlProblem('http://10.0.0.2') ?? '', /only loopback/);
    assert.match(baseUrlProblem('https://user:pw@api.example.com') ?? '', /must not contain a user name or password/);
    assert.match(baseUrlProblem('ftp://example.com') ?? '', /only https:\/\//);
    assert.match(baseUrlProblem('not a url') ?? '', /is not a URL/);
    assert.equal(isLoopbackHost('LOCALHOST'), true);
    assert.equal(isLoopbackHost('localhost.example.com'), false);
  });

  it('rejects a non-array', () => {
    assert.deepEqual(parseRoutes({ id: 'x' }).problems.map(describeRouteProblem), ['Routes: field "routes" must be an array of route objects.']);
  });
});
