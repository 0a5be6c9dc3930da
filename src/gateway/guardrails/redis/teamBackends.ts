import type { GuardrailBackends } from '../../openChain';
import { RedisBreakers } from './redisBreakers';
import { RedisLedger } from './redisLedger';
import type { TeamSection } from './teamConfig';

export interface TeamBackendOptions {
  /** The team Redis password: secret storage in the editor, REDIS_PASSWORD for the CLI. */
  readonly password?: string;
  readonly log?: (line: string) => void;
}

/**
 * The guardrails a team shares through its Redis. Opening never fails: an unreachable Redis
 * gives backends that run on local state, say so, and connect when they can.
 */
export async function openTeamBackends(team: TeamSection, options: TeamBackendOptions = {}): Promise<GuardrailBackends> {
  const teamBreakers = await RedisBreakers.open(team, {
    ...(options.password ? { password: options.password } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const ledgers: RedisLedger[] = [];
  const ledger: GuardrailBackends['ledger'] = async (local, onEvent) => {
    const opened = await RedisLedger.open(team, RedisLedger.budgetOf(local), local, onEvent, {
      ...(options.password ? { password: options.password } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    ledgers.push(opened);
    return opened;
  };
  return { teamBreakers, ledger, close: async () => {
    for (const l of ledgers) l.close();
    await teamBreakers.close();
  } };
}
