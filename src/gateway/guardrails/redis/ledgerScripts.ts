import type Redis from 'ioredis';

/**
 * The team ledger's keys. Money is integer micro-dollars, so sums never drift. Figures of one
 * period (the UTC day or month) live under keys named by it, so a new period starts at zero and
 * the old one stays readable; the pause and resume decision and the change counter are shared.
 */
export function periodKeys(namespace: string, periodKey: string) {
  const p = `${namespace}:budget:${periodKey}`;
  return {
    /** Charged this period. */
    spent: `${p}:spent`,
    /** Sum of the holds below. */
    held: `${p}:held`,
    /** Hold id -> micro-dollars held. */
    holds: `${p}:holds`,
    /** Hold id by expiry (ms since the epoch): what a crashed client left is released by the next script. */
    expiries: `${p}:expiries`,
    /** Route -> micro-dollars charged. */
    routes: `${p}:routes`,
    /** The latest charges, oldest first (capped). */
    charges: `${p}:charges`,
    /** Every charge id pushed: a charge sent again (a reply lost to a time-out, a reconciliation) counts once. */
    chargeIds: `${p}:charge-ids`,
  };
}

export function sharedKeys(namespace: string) {
  return {
    /** `manualPause` ('1'/'0') and `resumedPeriodKey`. */
    state: `${namespace}:budget:state`,
    /** Bumped by every change, so a client keeps the newest figures whatever order replies and messages arrive in. */
    seq: `${namespace}:budget:seq`,
    /** Pub/sub channel: every change is published here with the figures after it. */
    channel: `${namespace}:budget`,
  };
}

// Shared by every script. Lua numbers are doubles: exact for integers up to 2^53 micro-dollars.
const PRELUDE = `
local function num(v) return tonumber(v or '0') or 0 end
local function purge(heldKey, holdsKey, expKey, now)
  local ids = redis.call('ZRANGEBYSCORE', expKey, '-inf', now)
  for _, id in ipairs(ids) do
    local v = redis.call('HGET', holdsKey, id)
    if v then
      redis.call('DECRBY', heldKey, v)
      redis.call('HDEL', holdsKey, id)
    end
    redis.call('ZREM', expKey, id)
  end
end
local function gateOf(spent, held, limit, pauseAt, manual, resumed, periodKey)
  if manual == '1' then return 'manual-pause' end
  if limit < 0 then return '' end
  local total = spent + held
  if total >= limit then return 'budget-exhausted' end
  if total * 100 >= pauseAt * limit and resumed ~= periodKey then return 'budget-paused' end
  return ''
end
local function figures(spentKey, heldKey, stateKey)
  return num(redis.call('GET', spentKey)), num(redis.call('GET', heldKey)),
    redis.call('HGET', stateKey, 'manualPause') or '0', redis.call('HGET', stateKey, 'resumedPeriodKey') or ''
end
local function publish(channel, seq, periodKey, spent, held, manual, resumed)
  redis.call('PUBLISH', channel, string.format('{"seq":%d,"periodKey":"%s","spent":%d,"held":%d,"manual":"%s","resumed":"%s"}',
    seq, periodKey, spent, held, manual, resumed))
end
`;

/**
 * Takes a hold in one step: only if the budget is not paused or used up (a resume lifts the pause
 * for its period) and spent + held + this hold fits the limit. Expired holds are released first.
 * KEYS: spent, held, holds, expiries, state, seq. ARGV: now, hold id, micro, ttl ms, limit (-1: none),
 * pause percent, period key, channel. Reply: {1 | 0, hold id | why, spent, held, manual, resumed, seq}.
 */
const RESERVE = `${PRELUDE}
local now = tonumber(ARGV[1])
purge(KEYS[2], KEYS[3], KEYS[4], now)
local spent, held, manual, resumed = figures(KEYS[1], KEYS[2], KEYS[5])
local micro, limit = tonumber(ARGV[3]), tonumber(ARGV[5])
local seq = num(redis.call('GET', KEYS[6]))
local gate = gateOf(spent, held, limit, tonumber(ARGV[6]), manual, resumed, ARGV[7])
if gate ~= '' then return {0, gate, spent, held, manual, resumed, seq} end
if limit >= 0 and spent + held + micro > limit then return {0, 'over-limit', spent, held, manual, resumed, seq} end
redis.call('HSET', KEYS[3], ARGV[2], micro)
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[4]), ARGV[2])
held = redis.call('INCRBY', KEYS[2], micro)
seq = redis.call('INCR', KEYS[6])
publish(ARGV[8], seq, ARGV[7], spent, held, manual, resumed)
return {1, ARGV[2], spent, held, manual, resumed, seq}
`;

/**
 * Replaces a hold by its charge in one step, once per charge id (a charge sent again is not
 * counted again; its hold is released either way). The hold may belong to an earlier period than
 * the charge. KEYS: hold's held, holds, expiries; charge period's spent, held, holds, expiries,
 * routes, charges, charge ids; state, seq. ARGV: now, hold id ('' for none), charge id, micro,
 * route, charge JSON, charges kept, charge period key, channel.
 * Reply: {1 new | 0 seen before, spent before, spent, held, manual, resumed, seq}.
 */
const SETTLE = `${PRELUDE}
local now = tonumber(ARGV[1])
purge(KEYS[5], KEYS[6], KEYS[7], now)
if KEYS[1] ~= KEYS[5] then purge(KEYS[1], KEYS[2], KEYS[3], now) end
if ARGV[2] ~= '' then
  local v = redis.call('HGET', KEYS[2], ARGV[2])
  if v then
    redis.call('DECRBY', KEYS[1], v)
    redis.call('HDEL', KEYS[2], ARGV[2])
    redis.call('ZREM', KEYS[3], ARGV[2])
  end
end
local before = num(redis.call('GET', KEYS[4]))
local fresh = redis.call('SADD', KEYS[10], ARGV[3])
local micro = tonumber(ARGV[4])
if fresh == 1 and micro > 0 then
  redis.call('INCRBY', KEYS[4], micro)
  redis.call('HINCRBY', KEYS[8], ARGV[5], micro)
  redis.call('RPUSH', KEYS[9], ARGV[6])
  redis.call('LTRIM', KEYS[9], -tonumber(ARGV[7]), -1)
end
local spent, held, manual, resumed = figures(KEYS[4], KEYS[5], KEYS[11])
local seq = redis.call('INCR', KEYS[12])
publish(ARGV[9], seq, ARGV[8], spent, held, manual, resumed)
return {fresh, before, spent, held, manual, resumed, seq}
`;

/**
 * Reads the figures (releasing expired holds), or pauses or resumes for everyone.
 * KEYS: spent, held, holds, expiries, state, seq. ARGV: now, 'read' | 'pause' | 'resume', period key, channel.
 * Reply: {1, op, spent, held, manual, resumed, seq}.
 */
const BUDGET = `${PRELUDE}
purge(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]))
if ARGV[2] == 'pause' then redis.call('HSET', KEYS[5], 'manualPause', '1') end
if ARGV[2] == 'resume' then redis.call('HSET', KEYS[5], 'manualPause', '0', 'resumedPeriodKey', ARGV[3]) end
local spent, held, manual, resumed = figures(KEYS[1], KEYS[2], KEYS[5])
local seq = num(redis.call('GET', KEYS[6]))
if ARGV[2] ~= 'read' then
  seq = redis.call('INCR', KEYS[6])
  publish(ARGV[4], seq, ARGV[3], spent, held, manual, resumed)
end
return {1, ARGV[2], spent, held, manual, resumed, seq}
`;

export type ScriptReply = [number, string | number, number, number, string, string, number];

/** The ledger's scripts on a connection (sent by SHA; ioredis loads them again after a restart). */
export interface LedgerScripts {
  reserve(...keysAndArgs: Array<string | number>): Promise<ScriptReply>;
  settle(...keysAndArgs: Array<string | number>): Promise<ScriptReply>;
  budget(...keysAndArgs: Array<string | number>): Promise<ScriptReply>;
}

export function ledgerScripts(client: Redis): LedgerScripts {
  client.defineCommand('cgLedgerReserve', { numberOfKeys: 6, lua: RESERVE });
  client.defineCommand('cgLedgerSettle', { numberOfKeys: 12, lua: SETTLE });
  client.defineCommand('cgLedgerBudget', { numberOfKeys: 6, lua: BUDGET });
  const commands = client as unknown as Record<string, (...a: Array<string | number>) => Promise<ScriptReply>>;
  return {
    reserve: (...a) => commands.cgLedgerReserve!(...a),
    settle: (...a) => commands.cgLedgerSettle!(...a),
    budget: (...a) => commands.cgLedgerBudget!(...a),
  };
}
