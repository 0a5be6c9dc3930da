// One process on a shared state folder, for the multi-process test of the local ledger: it makes
// `tries` tries in waves of `wave` at once, each settled after a short random wait at exactly its
// worst case, and prints one JSON line with how many were settled and refused.
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import type { Route } from '../../src/gateway/routing/routes';

interface Setup {
  readonly stateDir: string;
  readonly limitUsd: number;
  readonly tries: number;
  readonly wave: number;
  readonly route: Route;
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2]!) as Setup;
  const ledger = await LocalLedger.open(setup.stateDir, { limitUsd: setup.limitUsd, period: 'month', pauseAtPercent: 100 });
  let settled = 0;
  const refusals: string[] = [];
  for (let start = 0; start < setup.tries; start += setup.wave) {
    await Promise.all(Array.from({ length: Math.min(setup.wave, setup.tries - start) }, async (_, i) => {
      // 1,000 input tokens are held as 1,100 (the margin): charged as 1,100, the charge is the hold.
      const hold = ledger.reserve(setup.route, 1000, 1000, `p${process.pid}-${start + i}`);
      if (typeof hold === 'string') {
        refusals.push(hold);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      hold.settle({ inputTokens: 1100, outputTokens: 1000 }, true);
      settled++;
    }));
  }
  ledger.close();
  process.stdout.write(`${JSON.stringify({ settled, refused: refusals.length, refusal: refusals[0] })}\n`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
