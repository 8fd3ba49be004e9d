/**
 * Viewer-side timeouts of the `edgefront` HTTP/1 engine: how long a connection may sit idle
 * between requests, how long a request head may take to arrive, and how long a request body
 * may stall. CloudFront documents none of these for viewers; the defaults are node:http's
 * (keepAliveTimeout as the node listener in server.ts, headersTimeout 60 s), and a body gap
 * gets the same 60 s.
 * Deviation from node:http: no whole-request cap (its requestTimeout, 300 s); a large upload
 * that keeps moving is never cut, one that stalls is.
 *
 * Each connection has one timer, created with the connection and re-armed with refresh():
 * a keep-alive hit costs one refresh (after its response), never a new timer.
 */

export interface Http1Timeouts {
  /** Idle time allowed before the first request and between requests; then the connection closes. */
  readonly keepAliveMs: number;
  /** A request head must be complete this long after its first byte, else 408 and close. */
  readonly headersMs: number;
  /** While the edge waits for request body bytes, the longest gap allowed, else 408 and close. */
  readonly bodyIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Http1Timeouts = Object.freeze({
  keepAliveMs: 60_000,
  headersMs: 60_000,
  bodyIdleMs: 60_000,
});

/** What the viewer connection is waiting for; each wait has its own timeout. */
export enum Wait {
  /** Nothing the viewer owes us: a request in flight, or its body paused by backpressure. */
  None,
  /** The next request, on an open keep-alive connection (keepAliveMs, silent close). */
  Idle,
  /** The rest of a request head whose first byte has arrived (headersMs from that byte, 408). */
  Head,
  /** More request body bytes (bodyIdleMs from the last one, 408 if no response has started). */
  Body,
  /** The viewer's side of a connection the edge has ended (keepAliveMs, then destroyed). */
  Close,
  /**
   * The viewer taking a response body the edge sends as its socket drains (keepAliveMs from the
   * last time it drained, then destroyed): a slow reader that keeps reading is never cut.
   */
  Send,
}

/** Timeouts resolved once per listener: every connection shares them. */
export interface Http1Settings {
  /** The timer's period: the shortest timeout; a wait lasts a whole number of periods. */
  readonly tickMs: number;
  /** Periods per Wait (index: Wait). */
  readonly ticks: readonly number[];
  /** The end of a keep-alive response head, its `Keep-Alive: timeout=` as node:http writes it. */
  readonly keepAliveEnd: Buffer;
}

export function http1Settings(overrides: Partial<Http1Timeouts> = {}): Http1Settings {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...overrides };
  for (const [name, ms] of Object.entries(timeouts)) {
    if (!Number.isInteger(ms) || ms < 1 || ms > 2 ** 31 - 1)
      throw new RangeError(
        `HTTP/1 engine: ${name} must be a whole number of milliseconds, 1 to 2^31-1 (got ${ms})`,
      );
  }
  const tickMs = Math.min(timeouts.keepAliveMs, timeouts.headersMs, timeouts.bodyIdleMs);
  const ticksOf = (ms: number) => Math.ceil(ms / tickMs);
  const ticks: number[] = [];
  ticks[Wait.None] = 0;
  ticks[Wait.Idle] = ticksOf(timeouts.keepAliveMs);
  ticks[Wait.Head] = ticksOf(timeouts.headersMs);
  ticks[Wait.Body] = ticksOf(timeouts.bodyIdleMs);
  ticks[Wait.Close] = ticksOf(timeouts.keepAliveMs);
  ticks[Wait.Send] = ticksOf(timeouts.keepAliveMs);
  return {
    tickMs,
    ticks,
    keepAliveEnd: Buffer.from(
      `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(timeouts.keepAliveMs / 1000)}\r\n\r\n`,
      'latin1',
    ),
  };
}

/**
 * One connection's timer. set() starts the clock of a new wait; staying in Head keeps the
 * head's deadline (a slowloris sending a byte a second is cut when it passes), while each call
 * for Body restarts it (the body moved). A wait longer than the period (only when timeouts
 * differ) runs for its number of periods, so it ends less than one period late at most.
 */
export class ConnectionTimer {
  private wait = Wait.Idle;
  private ticksLeft: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly settings: Http1Settings,
    private readonly onExpire: (wait: Wait) => void,
  ) {
    this.ticksLeft = settings.ticks[Wait.Idle];
    this.timer = setTimeout(() => this.tick(), settings.tickMs);
    this.timer.unref(); // the socket keeps the process alive, not its timer
  }

  set(wait: Wait): void {
    if (wait === this.wait && wait !== Wait.Body) return;
    this.wait = wait;
    if (wait === Wait.None) return; // a pending tick finds nothing to do and lets the timer rest
    this.ticksLeft = this.settings.ticks[wait];
    this.timer.refresh(); // re-activates a timer that has fired, too
  }

  /** The viewer took more of the response: Send's clock starts again (nothing else is moved). */
  progress(): void {
    if (this.wait !== Wait.Send) return;
    this.ticksLeft = this.settings.ticks[Wait.Send];
    this.timer.refresh();
  }

  stop(): void {
    this.wait = Wait.None;
    clearTimeout(this.timer);
  }

  private tick(): void {
    if (this.wait === Wait.None) return;
    if (--this.ticksLeft > 0) {
      this.timer.refresh();
      return;
    }
    const expired = this.wait;
    this.wait = Wait.None;
    this.onExpire(expired);
  }
}
