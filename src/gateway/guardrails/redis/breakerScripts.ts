// The team breakers' atomic steps, as Lua run inside Redis: each reads and changes a route's state
// in one step, so two clients can never both open, close or probe the same route. Times come from
// Redis's clock (TIME), never a client's; waits go out as "milliseconds left", so clients whose
// clocks differ still agree. Every change bumps a sequence number and is published on the
// breakers channel, so mirrors can tell a late message from a new one.
//
// Keys: failures (hash route -> consecutive failures), open (hash route -> Redis time the wait
// ends), seq (counter), and one probe lock per route (`<prefix><route>`, SET NX PX).

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const PUBLISH = `
local function publish(channel, seqKey, route, state, waitMs, probeMs)
  local seq = redis.call('INCR', seqKey)
  redis.call('PUBLISH', channel, cjson.encode({ route = route, state = state, waitMs = waitMs, probeMs = probeMs, seq = seq }))
  return { state, waitMs, probeMs, seq }
end
`;

/**
 * KEYS: failures, open, probe lock, seq. ARGV: channel, route, outcome, threshold, wait ms, probe token ('' if none).
 * Returns {state | 'same', waitMs, probeMs, seq}.
 */
export const RECORD = `${NOW}${PUBLISH}
local route = ARGV[2]
if ARGV[3] == 'success' then
  redis.call('HDEL', KEYS[1], route)
  if redis.call('HDEL', KEYS[2], route) == 1 then
    redis.call('DEL', KEYS[3])
    return publish(ARGV[1], KEYS[4], route, 'closed', 0, 0)
  end
  return { 'same', 0, 0, 0 }
end
local wait = tonumber(ARGV[5])
if redis.call('HEXISTS', KEYS[2], route) == 1 then
  -- Open already: only the probe's failure changes it (a fresh wait); a late failure of a call
  -- sent before it opened says nothing new.
  if ARGV[6] ~= '' and redis.call('GET', KEYS[3]) == ARGV[6] then
    redis.call('DEL', KEYS[3])
    redis.call('HSET', KEYS[2], route, now + wait)
    return publish(ARGV[1], KEYS[4], route, 'open', wait, 0)
  end
  return { 'same', 0, 0, 0 }
end
if redis.call('HINCRBY', KEYS[1], route, 1) >= tonumber(ARGV[4]) then
  redis.call('HDEL', KEYS[1], route)
  redis.call('HSET', KEYS[2], route, now + wait)
  return publish(ARGV[1], KEYS[4], route, 'open', wait, 0)
end
return { 'same', 0, 0, 0 }
`;

/**
 * KEYS: open, probe lock, seq. ARGV: channel, route, token, lock ms.
 * Returns {'probe' | 'busy' | 'open' | 'closed', waitMs, probeMs, seq}.
 */
export const CLAIM = `${NOW}${PUBLISH}
local route = ARGV[2]
local ends = redis.call('HGET', KEYS[1], route)
if not ends then return { 'closed', 0, 0, 0 } end
local left = tonumber(ends) - now
if left > 0 then return { 'open', left, 0, 0 } end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', tonumber(ARGV[4])) then
  -- Others hear half-open with a probe in flight; the claimer is told it is the one.
  local reply = publish(ARGV[1], KEYS[3], route, 'half-open', 0, tonumber(ARGV[4]))
  reply[1] = 'probe'
  return reply
end
return { 'busy', 0, math.max(redis.call('PTTL', KEYS[2]), 0), 0 }
`;

/** KEYS: probe lock, seq, open. ARGV: channel, route, token. Frees the claim if it is still ours. */
export const RELEASE = `${PUBLISH}
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return { 'same', 0, 0, 0 } end
redis.call('DEL', KEYS[1])
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then return { 'same', 0, 0, 0 } end
return publish(ARGV[1], KEYS[2], ARGV[2], 'half-open', 0, 0)
`;

/**
 * KEYS: open, seq. ARGV: probe lock prefix.
 * Returns {seq, route, waitMs, probeMs, route, waitMs, probeMs, ...} for every open route.
 */
export const SNAPSHOT = `${NOW}
local out = { tonumber(redis.call('GET', KEYS[2]) or '0') }
local open = redis.call('HGETALL', KEYS[1])
for i = 1, #open, 2 do
  out[#out + 1] = open[i]
  out[#out + 1] = tonumber(open[i + 1]) - now
  out[#out + 1] = math.max(redis.call('PTTL', ARGV[1] .. open[i]), 0)
end
return out
`;
