// One client of a team in its own process, for the multi-process breaker tests: a router over the
// given routes with Redis team breakers. Commands arrive as JSON lines on stdin ({id, cmd: 'ask' |
// 'status' | 'close'}); each answer is a JSON line on stdout with the same id.
import { createInterface } from 'node:readline';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { DEFAULT_POLICY, type PolicyConfig } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';
import type { GatewayEvent } from '../../src/gateway/routing/events';
import { RedisBreakers } from '../../src/gateway/guardrails/redis/redisBreakers';

interface Setup {
  readonly redisUrl: string;
  readonly namespace: string;
  readonly routes: Route[];
  readonly policy: Partial<PolicyConfig>;
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2]!) as Setup;
  const team = await RedisBreakers.open({ redisUrl: setup.redisUrl, namespace: setup.namespace, timeoutMs: 300 }, { refreshMs: 60_000 });
  const events: GatewayEvent[] = [];
  const router = new Router({
    routes: setup.routes, policy: { ...DEFAULT_POLICY, ...setup.policy }, adapterFor, keyFor: async () => 'test-key',
    teamBreakers: team, onEvent: (e) => e.type === 'breaker' && events.push(e),
  });
  const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const request = { messages: [{ role: 'user' as const, parts: [{ type: 'text' as const, text: 'Explain parseRoutes.' }] }] };
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, cmd } = JSON.parse(line) as { id: number; cmd: string };
    if (cmd === 'ask') {
      const answer = await router.send(request).then((a) => ({ route: a.route.id, attempts: a.attempts }), (e: { attempts?: unknown }) => ({ route: undefined, attempts: e.attempts }));
      out({ id, ...answer });
    } else if (cmd === 'status') {
      out({ id, routes: router.routeStatus().map((s) => ({ id: s.route.id, breaker: s.breaker })), events });
    } else if (cmd === 'close') {
      await router.dispose();
      await team.close();
      out({ id });
      process.exit(0);
    }
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
