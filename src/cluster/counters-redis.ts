/**
 * Counters shared by every node through Redis: one round trip per call, a Lua script run
 * atomically by the server (EVALSHA, falling back to EVAL when the server lacks the script, which
 * ioredis's defineCommand does), so concurrent increments from any number of nodes add up exactly.
 *
 * Layout: one hash per (key, window), `<prefix>{<key>}:<windowSeconds>`, field = bucket number,
 * value = count; the script drops buckets older than the window and sets the key to expire when
 * its newest bucket leaves the window. A call touches exactly one key, so it runs on Redis
 * Cluster; the hash tag is the whole (escaped) counter key, so the windows of one counter share a
 * slot while different counters spread over the cluster, and a viewer-supplied value containing
 * braces cannot choose the slot.
 *
 * Time: one clock for all nodes. Unless a clock is configured, the script reads the Redis
 * server's TIME, so nodes whose clocks disagree still fill the same buckets. A per-call `nowMs`
 * (tests) or a configured clock is passed to the script instead.
 *
 * Faults fail fast, never queue: a call made while the client is not `ready` is refused before
 * anything is sent; a sent call that gets no reply within `timeoutMs` is abandoned; either way
 * the caller gets a CountersUnavailableError and decides to fail open or closed. The client must
 * not queue: with ioredis's offline queue, a call made in the instant between the server dying and
 * the client noticing would be kept and replayed after reconnecting, long after its caller gave up.
 * So a client without `enableOfflineQueue: false`, or with `maxRetriesPerRequest: null`, is refused
 * at construction; COUNTERS_CLIENT_OPTIONS are the options to create it with.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { type Counters, CountersUnavailableError, type CountOptions } from './counters.js';
import { checkAmount, checkNowMs, DEFAULT_BUCKETS, windowShape } from './counters-window.js';

/**
 * ARGV: by (0 = only read), windowMs, buckets, nowMs ('' = the server's TIME).
 * Returns the estimate of counters-window.ts, computed with the same operations in the same
 * order (Lua numbers are doubles, as JavaScript's are). Keys without a field are never created:
 * a read of an absent counter writes nothing.
 */
const COUNT_LUA = `
local by = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local width = windowMs / n
local current = math.floor(now / width)
local oldest = current - n
if by > 0 then
  redis.call('HINCRBY', KEYS[1], string.format('%d', current), by)
end
local flat = redis.call('HGETALL', KEYS[1])
local full, partial, newest, stale = 0, 0, current, {}
for i = 1, #flat, 2 do
  local bucket = tonumber(flat[i])
  if bucket > current then
    if bucket > newest then newest = bucket end
  elseif bucket > oldest then
    full = full + tonumber(flat[i + 1])
  elseif bucket == oldest then
    partial = tonumber(flat[i + 1])
  else
    stale[#stale + 1] = flat[i]
  end
end
if by > 0 then
  if #stale > 0 then redis.call('HDEL', KEYS[1], unpack(stale)) end
  redis.call('PEXPIRE', KEYS[1], (newest + 1) * width + windowMs - now)
end
local f = (now - current * width) / width
return full + math.floor(partial * (1 - f))
`;

/** The script's name on the client; unique so it cannot clash with another module's command. */
const COMMAND = 'edgefrontCountersCount';

type CountingClient = (Redis | Cluster) & {
  [COMMAND](key: string, by: number, windowMs: number, buckets: number, nowMs: string): Promise<number>;
};

/**
 * Options for the counters' own ioredis client: nothing queued while disconnected (required), and
 * a call in flight when the connection drops failed at the first reconnect attempt instead of
 * being resent after reconnecting (advised; any number bounds it). For a Cluster client, put
 * `enableOfflineQueue` at the top level and `maxRetriesPerRequest` in `redisOptions`.
 */
export const COUNTERS_CLIENT_OPTIONS = { enableOfflineQueue: false, maxRetriesPerRequest: 0 } as const;

export interface RedisCountersOptions {
  client: Redis | Cluster;
  /** Key prefix (no braces); `edgefront:counters:` unless given. */
  prefix?: string;
  /** Sub-buckets per window (counters-window.ts); DEFAULT_BUCKETS unless given. */
  buckets?: number;
  /** Count at this clock's time instead of the Redis server's TIME. */
  clock?: Clock;
  /** How long a call may wait for its reply before failing with reason 'Timeout'; 1000 unless given. */
  timeoutMs?: number;
}

export class RedisCounters implements Counters {
  readonly #client: CountingClient;
  readonly #prefix: string;
  readonly #buckets: number;
  readonly #clock: Clock | undefined;
  readonly #timeoutMs: number;

  constructor(options: RedisCountersOptions) {
    const { client } = options;
    const { enableOfflineQueue, maxRetriesPerRequest, redisOptions } = client.options as {
      enableOfflineQueue?: boolean;
      maxRetriesPerRequest?: number | null;
      redisOptions?: { maxRetriesPerRequest?: number | null };
    };
    const retries = client.isCluster ? redisOptions?.maxRetriesPerRequest : maxRetriesPerRequest;
    if (enableOfflineQueue !== false || retries === null) {
      throw new TypeError(
        'RedisCounters needs a client that fails calls instead of queueing them: enableOfflineQueue: false and a numeric maxRetriesPerRequest (COUNTERS_CLIENT_OPTIONS)',
      );
    }
    this.#prefix = options.prefix ?? 'edgefront:counters:';
    if (/[{}]/.test(this.#prefix)) throw new RangeError(`prefix must not contain braces: ${this.#prefix}`);
    this.#buckets = options.buckets ?? DEFAULT_BUCKETS;
    windowShape(60, this.#buckets); // rejects a bucket count that is out of range
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    if (!(COMMAND in client)) client.defineCommand(COMMAND, { numberOfKeys: 1, lua: COUNT_LUA });
    this.#client = client as CountingClient;
  }

  /** The Redis key holding `key`'s counter for `windowSeconds`. */
  redisKey(key: string, windowSeconds: number): string {
    return `${this.#prefix}{${escapeBraces(key)}}:${windowSeconds}`;
  }

  async increment(key: string, windowSeconds: number, options: CountOptions = {}): Promise<number> {
    return this.#run(key, windowSeconds, checkAmount(options.by ?? 1), options.nowMs);
  }

  async peek(key: string, windowSeconds: number, options: Pick<CountOptions, 'nowMs'> = {}): Promise<number> {
    return this.#run(key, windowSeconds, 0, options.nowMs);
  }

  async #run(key: string, windowSeconds: number, by: number, nowMs: number | undefined): Promise<number> {
    const shape = windowShape(windowSeconds, this.#buckets);
    const at = nowMs ?? this.#clock?.now();
    const now = at === undefined ? '' : String(checkNowMs(at));
    const status = this.#client.status;
    if (status !== 'ready') {
      throw new CountersUnavailableError(
        'NotConnected',
        `Redis counters unavailable: the connection is ${status}`,
      );
    }
    const reply = this.#client[COMMAND](
      this.redisKey(key, windowSeconds),
      by,
      shape.windowMs,
      shape.buckets,
      now,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CountersUnavailableError(
              'Timeout',
              `Redis counters unavailable: no reply within ${this.#timeoutMs} ms`,
            ),
          ),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([reply, timeout]);
    } catch (err) {
      if (err instanceof CountersUnavailableError) {
        reply.catch(() => {}); // the abandoned call may still fail later: nobody is waiting for it
        throw err;
      }
      throw classify(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `{` and `}` (and `%`, to stay reversible) percent-encoded: the hash tag is then the whole key. */
function escapeBraces(key: string): string {
  return /[{}%]/.test(key)
    ? key.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : key;
}

function classify(err: unknown): CountersUnavailableError {
  const error = err instanceof Error ? err : new Error(String(err));
  if (error.name === 'ReplyError') {
    return new CountersUnavailableError('RedisError', `Redis counters unavailable: ${error.message}`, {
      cause: err,
    });
  }
  return new CountersUnavailableError('ConnectionLost', `Redis counters unavailable: ${error.message}`, {
    cause: err,
  });
}
