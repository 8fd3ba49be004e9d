/**
 * The cluster's Redis keys and the Lua scripts that change them. Every key starts with the same
 * hash tag (`{prefix}:`), so each script's keys sit in one Redis Cluster slot; every write the
 * cluster makes to shared state is one script, so it is atomic on Redis (a node killed between
 * two commands cannot leave half a change).
 *
 *   {P}:version   the shared state version (integer)
 *   {P}:state     the control state (JSON), the version above
 *   {P}:files     hash: state-dir-relative path → content (key value store data files)
 *   {P}:changes   stream: one entry per change (v, node, rebuild, files); nodes wake on it
 *   {P}:nodes     hash: node id → "<served version> <Redis time ms>" (heartbeats)
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export interface ClusterKeys {
  readonly version: string;
  readonly state: string;
  readonly files: string;
  readonly changes: string;
  readonly nodes: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  const tag = `{${prefix}}:`;
  return {
    version: `${tag}version`,
    state: `${tag}state`,
    files: `${tag}files`,
    changes: `${tag}changes`,
    nodes: `${tag}nodes`,
  };
}

/** A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it. */
export class LuaScript {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis | Cluster, keys: readonly string[], args: readonly (string | number)[]) {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err as Error).message?.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** Keys of the state scripts, in this order. */
export const stateKeys = (k: ClusterKeys) => [k.version, k.state, k.files, k.changes];

/**
 * Stores a change iff the shared version is still the one the change was made on.
 * ARGV: expected version, new version, state JSON, node id, rebuild (1/0), stream MAXLEN,
 * changed file names (newline-separated), then file name / content pairs.
 * → {1, stream id} | {0, current version (-1: no state at all)}
 */
export const COMMIT = new LuaScript(
  'commit',
  `local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if cur ~= tonumber(ARGV[1]) then return {0, tostring(cur)} end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[2])
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', 'v', ARGV[2], 'node', ARGV[4], 'rebuild', ARGV[5], 'files', ARGV[7])
return {1, id}`,
);

/**
 * Seeds (or re-seeds) the shared state from a node's last good state, only when Redis holds no
 * state or an older one (a Redis restarted empty, or re-seeded by a node that lagged).
 * ARGV: version, state JSON, node id, stream MAXLEN, then file name / content pairs.
 * → {1, stream id} | {0, current version}
 */
export const SEED = new LuaScript(
  'seed',
  `local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return {0, cur} end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'v', ARGV[1], 'node', ARGV[3], 'rebuild', '1', 'files', '*')
return {1, id}`,
);

/**
 * What a node at version ARGV[2], whose last seen stream entry is ARGV[1] ('' = none), needs to
 * catch up, read atomically:
 *   {'empty'}                                   Redis holds no state
 *   {'behind', version, last id}                Redis holds an older state than the node
 *   {'current', version, last id}               nothing to do
 *   {'state', version, last id, state JSON, rebuild 1/0, {name, content, …}}
 * The files are those named by the entries after ARGV[1], or every file when that entry is gone
 * (the stream was trimmed past it, or Redis restarted) or an entry says '*' (a re-seed).
 */
export const SYNC = new LuaScript(
  'sync',
  `local v = redis.call('GET', KEYS[1])
if not v then return {'empty'} end
local last = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
local lastId = '0-0'
if #last > 0 then lastId = last[1][1] end
local have = tonumber(ARGV[2])
if tonumber(v) < have then return {'behind', v, lastId} end
if tonumber(v) == have and ARGV[1] ~= '' then return {'current', v, lastId} end
local all = ARGV[1] == ''
local rebuild = all
local names = {}
if not all then
  if #redis.call('XRANGE', KEYS[4], ARGV[1], ARGV[1]) == 0 then
    all = true
    rebuild = true
  else
    for _, entry in ipairs(redis.call('XRANGE', KEYS[4], '(' .. ARGV[1], '+')) do
      local f = entry[2]
      for i = 1, #f, 2 do
        if f[i] == 'rebuild' and f[i + 1] == '1' then rebuild = true end
        if f[i] == 'files' then
          if f[i + 1] == '*' then all = true end
          for name in string.gmatch(f[i + 1], '[^\\n]+') do names[name] = true end
        end
      end
    end
  end
end
local files = {}
if all then
  files = redis.call('HGETALL', KEYS[3])
else
  for name in pairs(names) do
    local content = redis.call('HGET', KEYS[3], name)
    if content then
      table.insert(files, name)
      table.insert(files, content)
    end
  end
end
if #files > 0 then rebuild = true end
return {'state', v, lastId, redis.call('GET', KEYS[2]), rebuild and '1' or '0', files}`,
);

/** A node says which version it serves; the time is Redis's, so node clocks need not agree. → ms */
export const HEARTBEAT = new LuaScript(
  'heartbeat',
  `local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ms)
return ms`,
);

/** The cluster as one node sees it: {Redis time ms, shared version or '', {node id, "v ms", …}}. */
export const VIEW = new LuaScript(
  'view',
  `local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {ms, redis.call('GET', KEYS[2]) or '', redis.call('HGETALL', KEYS[1])}`,
);
