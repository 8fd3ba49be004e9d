/**
 * HTTP/1.1 to custom origins, S3 REST endpoints and S3 website endpoints over pooled
 * keep-alive undici connections (origins.md §1.2, §4.5), with CloudFront's
 * ConnectionAttempts retries and error mapping (§5). Redirects are returned, never
 * followed (§8). Request and response bodies stream; nothing is buffered, except a request
 * body that must be hashed for an OAC signature (oac-sign.ts). Requests to an origin with an
 * origin access control are signed here, once the Host, path and headers sent are final.
 */

import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Pool } from 'undici';
import { copyHeaders } from '../edge/copy-headers.js';
import type { OriginModel } from '../model/types.js';
import { type DestinationPlan, planDestination, poolKey } from './destination.js';
import { type OacPlan, OacSigner, oacPlan } from './oac-sign.js';
import { classifyFailure, isRetryable, toEdgeError } from './origin-errors.js';
import type { OriginRequest, OriginResponse, OriginSettings } from './types.js';

/** Origin response header block limit (origins.md §4.5); beyond it: OriginHeaderTooBigError. */
const MAX_ORIGIN_HEADER_BYTES = 20_480;

interface Destination {
  readonly pool: Pool;
  readonly plan: DestinationPlan;
}

/** Per origin: index 0 for viewer http, 1 for https (they differ only under match-viewer). */
type Routes = [Destination | undefined, Destination | undefined];

/**
 * The viewer's request body as undici sees it. Never the viewer's stream itself: undici
 * destroys a `Readable` body when a request fails, and destroying the viewer's request
 * destroys the viewer's socket, so the viewer would get no error page at all. The source is
 * only touched once undici starts writing (after the connection is up), so a failed connect
 * can be retried with the body intact; abandoning the iterator leaves the stream alive for
 * the edge to drain.
 */
class DeferredBody implements AsyncIterable<Buffer> {
  started = false;
  constructor(private readonly source: Readable) {}
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.started = true;
    return this.source.iterator({ destroyOnReturn: false });
  }
}

export class CustomHttpOrigin {
  readonly #settings: OriginSettings;
  readonly #overrides = new Map<string, URL>(); // lowercase domain → URL (DomainName is case-insensitive, §1)
  readonly #routes = new WeakMap<OriginModel, Routes>();
  readonly #pools = new Map<string, Pool>();
  readonly #ca: string[] | undefined;
  readonly #signer: OacSigner;
  readonly #oacPlans = new WeakMap<OriginModel, OacPlan | null>();

  constructor(settings: OriginSettings) {
    this.#settings = settings;
    this.#signer = new OacSigner(settings.credentials);
    for (const [domain, url] of settings.originOverrides) this.#overrides.set(domain.toLowerCase(), url);
    // Node's `ca` replaces the default trust store, so extra test CAs are added to the bundled
    // roots (NODE_EXTRA_CA_CERTS keeps working when `ca` is not set).
    this.#ca = settings.ca?.length ? [...rootCertificates, ...settings.ca] : undefined;
  }

  async fetch(request: OriginRequest): Promise<OriginResponse> {
    const { pool, plan } = this.#destination(request.origin, request.viewerProtocol);
    const method = request.method;
    const idempotent = method === 'GET' || method === 'HEAD';
    const unsigned = {
      method,
      path: plan.pathPrefix === '' ? request.path : plan.pathPrefix + request.path,
      headers:
        plan.hostHeader === undefined
          ? request.headers
          : Object.assign(copyHeaders(request.headers), { host: plan.hostHeader }),
      body: request.body,
    };
    const oac = this.#oacPlan(request.origin);
    const { path, headers, body: source } = oac ? await this.#signer.sign(unsigned, oac) : unsigned;
    // A body read to be hashed is a Buffer, which undici can send again on a retry.
    const deferred = source && !Buffer.isBuffer(source) ? new DeferredBody(source) : undefined;
    const body = (deferred ?? source) as Readable | Buffer | null;

    for (let attempt = 1; ; attempt++) {
      try {
        const res = await pool.request({ method, path, headers, body });
        const resHeaders = res.headers as Record<string, string | string[]>;
        const setCookie = resHeaders['set-cookie'];
        if (typeof setCookie === 'string') resHeaders['set-cookie'] = [setCookie];
        return { status: res.statusCode, headers: resHeaders, body: res.body };
      } catch (err) {
        const kind = classifyFailure(err);
        const retry = attempt < plan.attempts && isRetryable(kind, idempotent) && !deferred?.started;
        if (!retry) throw toEdgeError(kind, err, attempt); // the edge drains the viewer's body
      }
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** Computed once per origin; origins a function builds per request are computed per request. */
  #oacPlan(model: OriginModel): OacPlan | undefined {
    let plan = this.#oacPlans.get(model);
    if (plan === undefined) {
      plan = oacPlan(model, this.#settings.originAccessControls) ?? null;
      this.#oacPlans.set(model, plan);
    }
    return plan ?? undefined;
  }

  #destination(model: OriginModel, viewerProtocol: 'http' | 'https'): Destination {
    let routes = this.#routes.get(model);
    if (!routes) {
      routes = [undefined, undefined];
      this.#routes.set(model, routes);
    }
    const index = viewerProtocol === 'https' ? 1 : 0;
    const known = routes[index];
    if (known) return known;
    const plan = planDestination(model, viewerProtocol, this.#settings, this.#overrides);
    const destination = { pool: this.#pool(plan), plan };
    routes[index] = destination;
    return destination;
  }

  /** One Pool per destination + connection settings, shared by every origin that resolves to it. */
  #pool(plan: DestinationPlan): Pool {
    const key = poolKey(plan);
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new Pool(plan.origin, {
        // §4.5: idle connections kept for OriginKeepaliveTimeout; a shorter server hint wins.
        keepAliveTimeout: plan.keepAliveMs,
        keepAliveMaxTimeout: plan.keepAliveMs,
        // §5: OriginReadTimeout bounds the wait for the first byte and each gap in the body.
        headersTimeout: plan.readTimeoutMs,
        bodyTimeout: plan.readTimeoutMs,
        maxHeaderSize: MAX_ORIGIN_HEADER_BYTES,
        connect: {
          timeout: plan.connectTimeoutMs, // ConnectionTimeout, per attempt
          // SNI and certificate name come from the request's `host` header (undici derives
          // `servername` from it): the origin DomainName, or the viewer Host when forwarded (§1.2).
          rejectUnauthorized: true,
          ...plan.tls,
          ...(this.#ca ? { ca: this.#ca } : {}),
          ...(plan.family ? { family: plan.family } : {}),
        },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }
}
