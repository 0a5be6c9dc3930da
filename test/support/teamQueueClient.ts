// One member queueing a request into the team queue from a process of its own: opens the queue
// (namespace, team key and requester from the setup), adds the request, prints the entry's id as
// a JSON line and exits.
import { idempotencyKey } from '../../src/gateway/guardrails/idempotency';
import { LocalColdQueue } from '../../src/gateway/guardrails/local/coldQueue';
import { RedisColdQueue } from '../../src/gateway/guardrails/redis/redisColdQueue';
import type { ChatRequest } from '../../src/gateway/ir';

interface Setup {
  readonly redisUrl: string;
  readonly namespace: string;
  readonly teamKey: string;
  readonly requester: string;
  readonly stateDir: string;
  readonly prompt: string;
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2]!) as Setup;
  const local = await LocalColdQueue.open(setup.stateDir, { maxAgeMs: 3_600_000 });
  const queue = await RedisColdQueue.open({ redisUrl: setup.redisUrl, namespace: setup.namespace, timeoutMs: 500, drainPerSecond: 10 }, local, () => undefined, { teamKey: setup.teamKey, requester: setup.requester });
  const request: ChatRequest = { messages: [{ role: 'user', parts: [{ type: 'text', text: setup.prompt }] }] };
  const key = idempotencyKey(request);
  const entry = await queue.add({ reason: 'all-routes-failed', request, idempotencyKey: `${key}-${process.pid}`, requestKey: key, label: 'explain', attempts: [] });
  process.stdout.write(`${JSON.stringify({ id: entry.id, backend: queue.backend })}\n`);
  await (queue as RedisColdQueue).close();
}

void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
