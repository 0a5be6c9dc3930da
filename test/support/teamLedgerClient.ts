// One client of a team budget in its own process, for the multi-process ledger test: a Redis team
// ledger over its own state folder that takes `count` holds at once, settles each one it got,
// and prints one JSON line with what happened and the highest spent + held any script replied.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import { RedisLedger } from '../../src/gateway/guardrails/redis/redisLedger';
import type { Route } from '../../src/gateway/routing/routes';

interface Setup {
  readonly redisUrl: string;
  readonly namespace: string;
  readonly limitUsd: number;
  readonly count: number;
  readonly route: Route;
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2]!) as Setup;
  const budget = { limitUsd: setup.limitUsd, period: 'month' as const, pauseAtPercent: 100 };
  const local = await LocalLedger.open(mkdtempSync(join(tmpdir(), 'cg-ledger-client-')), budget);
  let peak = 0;
  const teamEvents: string[] = [];
  const ledger = await RedisLedger.open({ redisUrl: setup.redisUrl, namespace: setup.namespace, timeoutMs: 2_000 }, budget, local, (e) => {
    if (e.type === 'team-backend') teamEvents.push(e.state + (e.detail ? ': ' + e.detail : ''));
  }, { onReply: (_op, reply) => { peak = Math.max(peak, Number(reply[2]) + Number(reply[3])); } });
  const outcomes = await Promise.all(Array.from({ length: setup.count }, async (_, i) => {
    const hold = await ledger.reserve(setup.route, 1000, 1000, `q${process.pid}-${i}`);
    if (typeof hold === 'string') return { refused: hold };
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    hold.settle({ inputTokens: 1000, outputTokens: 500 }, true);
    return { settledMicro: 1500 };
  }));
  await ledger.flushed();
  process.stdout.write(`${JSON.stringify({ outcomes, peak, pending: ledger.pendingCharges, teamEvents })}\n`);
  ledger.close();
  local.close();
  setTimeout(() => process.exit(0), 200).unref();
}

void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
