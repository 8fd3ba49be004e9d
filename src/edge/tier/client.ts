/**
 * A node's tiered-caching settings and its connections to its tiers: `--parent URL` (the
 * regional edge cache), `--origin-shield REGION=URL` (one node per Origin Shield region) and
 * the shared secret that signs and verifies tier markers (`EDGEFRONT_TIER_SECRET`). One per
 * edge, kept across config reloads; pooled keep-alive connections per tier node.
 */

import type { Dispatcher } from 'undici';
import { Pool } from 'undici';

export interface TierSettings {
  /** `--parent`: where this node's cacheable misses go first (the regional edge cache). */
  readonly parent?: URL;
  /** `--origin-shield`: Origin Shield region → the node acting as Origin Shield there. */
  readonly originShields: ReadonlyMap<string, URL>;
  /** Signs the markers this node sends and verifies the ones it receives; none: it does neither. */
  readonly secret?: Buffer;
}

/** A connection to a tier fails fast: it is a fallback signal, not an origin timeout. */
const CONNECT_TIMEOUT_MS = 2_000;
/** The tier itself waits on the origin (up to its OriginReadTimeout × attempts) before answering. */
const RESPONSE_TIMEOUT_MS = 90_000;
/** One note per tier node and reason at most this often, not one per request. */
const NOTE_INTERVAL_MS = 60_000;

export class TierClient {
  readonly #pools = new Map<string, Pool>();
  readonly #noted = new Map<string, number>();

  constructor(
    readonly settings: TierSettings,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  request(
    tier: URL,
    options: { method: string; path: string; headers: Record<string, string> },
  ): Promise<Dispatcher.ResponseData> {
    let pool = this.#pools.get(tier.origin);
    if (!pool) {
      pool = new Pool(tier.origin, {
        connect: { timeout: CONNECT_TIMEOUT_MS },
        headersTimeout: RESPONSE_TIMEOUT_MS,
        bodyTimeout: RESPONSE_TIMEOUT_MS,
      });
      this.#pools.set(tier.origin, pool);
    }
    return pool.request({ ...options, body: null });
  }

  /** Says once a minute per tier node why a miss went to the origin instead. */
  note(tier: URL, reason: string, nowMs = Date.now()): void {
    const key = `${tier.origin} ${reason}`;
    const last = this.#noted.get(key);
    if (last !== undefined && nowMs - last < NOTE_INTERVAL_MS) return;
    this.#noted.set(key, nowMs);
    this.log(`edgefront: tier ${tier.origin} ${reason}; misses go to the origin directly meanwhile`);
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}
