// The lock's three operations, each one Lua script so that check and change are atomic
// on the server (DESIGN.md §5). KEYS[1] is the lease key, KEYS[2] the fence counter.
//
// The lease value is "<token>:<owner>": an old holder that reuses its owner string still
// carries its old token, so it cannot renew or release a newer lease.
//
// The fence counter never expires, and is raised to at least the server's clock in
// microseconds. Without that floor, a Redis restarted without persistence (or flushed)
// would hand out token 1 again, every token below what the database has already seen, and
// the database's fence would refuse every settlement until an operator stepped in. With
// it, tokens keep rising across such a loss as long as the server clock does. Microseconds
// since 1970 stay below 2^53 (exact in Lua's doubles) until the year 2255; the token is
// returned by GET, as the exact decimal text Redis stores, never through a Lua number.

/** ARGV[1] owner, ARGV[2] ttl in ms. Returns the token as decimal text, or nil when held. */
export const acquireScript = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
local counted = redis.call('INCR', KEYS[2])
local now = redis.call('TIME')
local floorMicros = tonumber(now[1]) * 1000000 + tonumber(now[2])
if counted < floorMicros then
  redis.call('SET', KEYS[2], string.format('%.0f', floorMicros))
end
local token = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'XX', 'KEEPTTL')
return token
`;

/** ARGV[1] lease value, ARGV[2] ttl in ms. Returns 1 when extended, 0 when the lease is not ours. */
export const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** ARGV[1] lease value. Returns 1 when deleted, 0 when the lease is not ours. */
export const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;
