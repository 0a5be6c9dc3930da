// The money budget's cost per try on the request path: gate + hold (under the lock) + settle,
// over a growing journal in a temp state folder. `node test/bench/run.mjs ledgerCost`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import type { Route } from '../../src/gateway/routing/routes';
import type { SpendHold } from '../../src/gateway/guardrails/spendGuard';

const ROUTE: Route = { id: 'r', tier: 'hot', provider: 'openai', model: 'm', baseUrl: 'https://x.test', inputPricePerMTok: 1, outputPricePerMTok: 2 };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-bench-ledger-'));
  try {
    const ledger = await LocalLedger.open(dir, { limitUsd: 100_000, period: 'month', pauseAtPercent: 100 });
    let done = 0;
    const tries = (n: number): number => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        ledger.gate();
        (ledger.reserve(ROUTE, 1000, 1000, `q${done++}`) as SpendHold).settle({ inputTokens: 1000, outputTokens: 500 }, true);
      }
      return Number(process.hrtime.bigint() - started) / n / 1000;
    };
    tries(200);
    console.log(`tries 200-1000:   ${tries(800).toFixed(1)} us per try (gate + hold + settle)`);
    console.log(`tries 1000-10000: ${tries(9000).toFixed(1)} us per try (gate + hold + settle)`);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) ledger.gate();
    console.log(`gate alone after 10000 tries: ${(Number(process.hrtime.bigint() - started) / 1000 / 1000).toFixed(1)} us`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
