import type { GuardrailBackends } from '../../openChain';
import { RedisBreakers } from './redisBreakers';
import { RedisColdQueue } from './redisColdQueue';
import { RedisLedger } from './redisLedger';
import type { TeamSection } from './teamConfig';

export interface TeamBackendOptions {
  /** The team Redis password: secret storage in the editor, REDIS_PASSWORD for the CLI. */
  readonly password?: string;
  readonly log?: (line: string) => void;
  /** The team key that seals queued requests (Set Team Key, CONTEXT_GATEWAY_TEAM_KEY); without it the queue stays local. */
  readonly teamKey?: string;
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
  const connection = {
    ...(options.password ? { password: options.password } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  const ledgers: RedisLedger[] = [];
  const queues: RedisColdQueue[] = [];
  return {
    teamBreakers,
    ledger: async (local, onEvent) => {
      const opened = await RedisLedger.open(team, RedisLedger.budgetOf(local), local, onEvent, connection);
      ledgers.push(opened);
      return opened;
    },
    queue: async (local, onEvent) => {
      const queue = await RedisColdQueue.open(team, local, onEvent, { ...connection, ...(options.teamKey ? { teamKey: options.teamKey } : {}) });
      if (queue instanceof RedisColdQueue) queues.push(queue);
      return queue;
    },
    close: async () => {
      for (const l of ledgers) l.close();
      await Promise.all([teamBreakers.close(), ...queues.map((q) => q.close())]);
    },
  };
}
