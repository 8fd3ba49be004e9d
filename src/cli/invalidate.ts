/**
 * `edgefront invalidate --distribution-id ID [--paths /a /b/* …]`: CreateInvalidation through the
 * CloudFront SDK against an edgefront admin port (or any CloudFront API endpoint), then, unless
 * `--no-wait`, GetInvalidation until `Completed` (reference/control-api.md §2.1 "Invalidations").
 * `--tag TAG` (repeatable) purges by `Cache-Tag` instead, through edgefront's own tag-invalidation
 * API (src/control/api/tag-invalidations.ts; CloudFront has none), SigV4-signed with the SDK's
 * signer and polled the same way.
 * Progress goes to stderr (a spinner on a terminal, plain lines otherwise); the result to stdout,
 * `--json` printing the API's Invalidation object. Exit 0 when Completed (or created, with
 * `--no-wait`), 1 on any API error (CloudFront's code and message), on an unreachable endpoint
 * and when `--timeout` passes first.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CloudFrontClient, Invalidation } from '@aws-sdk/client-cloudfront';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { tagInvalidationPath } from '../control/api/tag-invalidations.js';
import { UsageError } from '../errors.js';
import { Sha256 } from '../origin/oac-sign.js';
import { type FlagTable, helpText, parseFlags } from './flags.js';

export const INVALIDATE_FLAGS: FlagTable = {
  'distribution-id': { type: 'string', value: 'ID', help: 'the distribution whose cache to invalidate' },
  paths: {
    type: 'list',
    value: 'PATH…',
    help: 'paths to invalidate, each starting with /; * only last (/img/*). Further arguments are paths too, as in the AWS CLI',
    default: '/*',
  },
  tag: {
    type: 'list',
    value: 'TAG',
    help: 'purge the objects whose origin response carried this Cache-Tag instead of paths (repeatable; edgefront’s tag-invalidation API, not CloudFront’s)',
  },
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'the control API: edgefront serve’s admin port',
    default: '$EDGEFRONT_ENDPOINT, else http://127.0.0.1:9000',
  },
  'caller-reference': {
    type: 'string',
    value: 'REF',
    help: 'idempotency key: the same REF with the same paths (or tags) returns the earlier invalidation',
    default: 'edgefront-<time>-<random>',
  },
  'no-wait': { type: 'bool', help: 'exit once the invalidation is created, without waiting for Completed' },
  json: { type: 'bool', help: 'print the API’s Invalidation object as JSON' },
  timeout: {
    type: 'int',
    value: 'SECONDS',
    help: 'give up (exit 1) when not Completed by then',
    default: '300',
  },
  help: { type: 'bool', help: 'show this help' },
};

const USAGE =
  'edgefront invalidate --distribution-id ID [--paths /a /b/* … | --tag TAG …] [--endpoint URL] [--caller-reference REF] [--no-wait] [--json] [--timeout SECONDS]';

const SUMMARY = [
  'Invalidate paths in a distribution’s cache through the CloudFront API (CreateInvalidation) and wait until it is Completed.',
  'Credentials: EDGEFRONT_ACCESS_KEY_ID / EDGEFRONT_SECRET_ACCESS_KEY, else the AWS SDK’s default chain, else none (a loopback edgefront serve without keys).',
].join('\n');

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
/** Signs requests to an `edgefront serve` without credentials (loopback dev mode checks nothing). */
const PLACEHOLDER_CREDENTIALS = { accessKeyId: 'EDGEFRONTLOCALDEV', secretAccessKey: 'edgefront-local-dev' };
/** Poll delays: quick for edgefront (it completes at once), backing off towards CloudFront's pace. */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 5000;
/** The answers to keys the server does not accept (src/control/auth). */
const SIGNATURE_ERRORS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);
const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface Options {
  distributionId: string;
  paths: string[];
  /** Purge by tag (edgefront's API) instead of paths. */
  tags?: string[];
  endpoint: string;
  callerReference: string;
  wait: boolean;
  json: boolean;
  timeoutMs: number;
}

export async function runInvalidate(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags('invalidate', INVALIDATE_FLAGS, argv);
  if (values.help) {
    process.stdout.write(helpText(USAGE, SUMMARY, INVALIDATE_FLAGS));
    return 0;
  }
  const distributionId = values['distribution-id'] as string | undefined;
  if (!distributionId)
    throw new UsageError(`edgefront invalidate: --distribution-id ID is required (usage: ${USAGE})`);
  const timeout = (values.timeout as number | undefined) ?? 300;
  if (timeout < 1) throw new UsageError('edgefront invalidate: --timeout must be at least 1 second');
  const paths = [...((values.paths as string[] | undefined) ?? []), ...positional];
  const tags = values.tag as string[] | undefined;
  if (tags && paths.length)
    throw new UsageError(
      'edgefront invalidate: give paths or --tag, not both (one invalidation is one or the other)',
    );
  const endpoint =
    (values.endpoint as string | undefined) ?? process.env.EDGEFRONT_ENDPOINT ?? DEFAULT_ENDPOINT;
  if (!URL.canParse(endpoint))
    throw new UsageError(
      `edgefront invalidate: --endpoint must be a URL such as ${DEFAULT_ENDPOINT}, got "${endpoint}"`,
    );
  return invalidate({
    distributionId,
    paths: paths.length || tags ? paths : ['/*'],
    tags,
    endpoint: endpoint.replace(/\/+$/, ''),
    callerReference:
      (values['caller-reference'] as string | undefined) ??
      `edgefront-${Date.now()}-${randomBytes(4).toString('hex')}`,
    wait: values['no-wait'] !== true,
    json: values.json === true,
    timeoutMs: timeout * 1000,
  });
}

/** EDGEFRONT_* keys, else the SDK's default chain (env, profiles, SSO…), else placeholder keys. */
async function credentialsFor(sdk: typeof import('@aws-sdk/client-cloudfront')): Promise<Credentials> {
  const env = process.env;
  if (env.EDGEFRONT_ACCESS_KEY_ID && env.EDGEFRONT_SECRET_ACCESS_KEY)
    return { accessKeyId: env.EDGEFRONT_ACCESS_KEY_ID, secretAccessKey: env.EDGEFRONT_SECRET_ACCESS_KEY };
  const probe = new sdk.CloudFrontClient({ region: 'us-east-1' });
  try {
    return await probe.config.credentials();
  } catch {
    return PLACEHOLDER_CREDENTIALS;
  } finally {
    probe.destroy();
  }
}

/** An invalidation as the command follows it, whichever API made it. */
interface Batch {
  Id: string;
  Status: string;
  /** `invalidation` or `tag invalidation`. */
  kind: string;
  /** The paths or the tags. */
  subjects: string[];
  /** What --json prints: the API's own object. */
  json: unknown;
}

interface BatchApi {
  create(signal: AbortSignal): Promise<Batch>;
  get(id: string, signal: AbortSignal): Promise<Batch>;
}

async function invalidate(options: Options): Promise<number> {
  // The SDK warns on Node < 22 about its own future releases; edgefront supports Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-cloudfront');
  const credentials = await credentialsFor(sdk);
  const client = new sdk.CloudFrontClient({ endpoint: options.endpoint, region: 'us-east-1', credentials });
  const api = options.tags ? tagApi(options, options.tags, credentials) : pathApi(sdk, client, options);
  const started = Date.now();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const progress = new Progress(started);
  let last: Batch | undefined;
  try {
    last = await api.create(deadline);
    progress.created(last, options.distributionId);
    let delay = FIRST_POLL_MS;
    while (options.wait && last.Status !== 'Completed') {
      await sleep(delay, deadline);
      delay = Math.min(MAX_POLL_MS, delay * 2);
      last = await api.get(last.Id, deadline);
      progress.status(last);
    }
  } catch (err) {
    progress.stop();
    process.stderr.write(`edgefront invalidate: ${describeFailure(err, options, last, deadline.aborted)}\n`);
    return 1;
  } finally {
    client.destroy();
  }
  progress.stop();
  if (options.json) process.stdout.write(`${JSON.stringify(last.json, null, 2)}\n`);
  else process.stdout.write(`${summary(last, options.distributionId, Date.now() - started)}\n`);
  return 0;
}

/** CreateInvalidation and GetInvalidation through the CloudFront SDK. */
function pathApi(
  sdk: typeof import('@aws-sdk/client-cloudfront'),
  client: CloudFrontClient,
  options: Options,
): BatchApi {
  const batch = (inv: Invalidation): Batch => ({
    Id: inv.Id as string,
    Status: inv.Status as string,
    kind: 'invalidation',
    subjects: inv.InvalidationBatch?.Paths?.Items ?? [],
    json: inv,
  });
  return {
    async create(abortSignal) {
      const created = await client.send(
        new sdk.CreateInvalidationCommand({
          DistributionId: options.distributionId,
          InvalidationBatch: {
            CallerReference: options.callerReference,
            Paths: { Quantity: options.paths.length, Items: options.paths },
          },
        }),
        { abortSignal },
      );
      return batch(created.Invalidation as Invalidation);
    },
    async get(id, abortSignal) {
      const got = await client.send(
        new sdk.GetInvalidationCommand({ DistributionId: options.distributionId, Id: id }),
        { abortSignal },
      );
      return batch(got.Invalidation as Invalidation);
    },
  };
}

interface TagInvalidation {
  Id: string;
  Status: string;
  TagInvalidationBatch?: { Tags?: string[] };
}

/** edgefront's tag-invalidation API: JSON, signed as the SDK signs CloudFront requests. */
function tagApi(options: Options, tags: string[], credentials: Credentials): BatchApi {
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'cloudfront', sha256: Sha256 });
  const call = async (method: string, path: string, signal: AbortSignal, body?: string): Promise<Batch> => {
    const url = new URL(`${options.endpoint}${path}`);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    });
    const answer = await send(url, method, signed.headers, body, signal);
    if (answer.status >= 300) throw apiErrorOf(answer.status, answer.body);
    const inv = (JSON.parse(answer.body) as { TagInvalidation: TagInvalidation }).TagInvalidation;
    return {
      Id: inv.Id,
      Status: inv.Status,
      kind: 'tag invalidation',
      subjects: inv.TagInvalidationBatch?.Tags ?? [],
      json: inv,
    };
  };
  return {
    create: (signal) =>
      call(
        'POST',
        tagInvalidationPath(options.distributionId),
        signal,
        JSON.stringify({ CallerReference: options.callerReference, Tags: tags }),
      ),
    get: (id, signal) => call('GET', tagInvalidationPath(options.distributionId, id), signal),
  };
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CloudFront's `ErrorResponse` as the SDK would raise it: the code as `name`, `$fault` set. */
function apiErrorOf(status: number, body: string): Error {
  let error: { Code?: string; Message?: string } | undefined;
  try {
    const doc = new XMLParser({ parseTagValue: false }).parse(body);
    error = doc?.ErrorResponse?.Error;
  } catch {
    error = undefined;
  }
  const err = new Error(error?.Message ?? `HTTP ${status}: ${body.slice(0, 200)}`);
  return Object.assign(err, {
    name: error?.Code ?? `HTTP${status}`,
    $fault: status >= 500 ? 'server' : 'client',
  });
}

function summary(inv: Batch, distributionId: string, elapsedMs: number): string {
  const mark = inv.Status === 'Completed' ? '✔' : '…';
  const noun = inv.kind === 'invalidation' ? 'path' : 'tag';
  return `${mark} ${inv.kind} ${inv.Id} of ${distributionId}: ${inv.Status} after ${seconds(elapsedMs)} (${inv.subjects.length} ${noun}${inv.subjects.length === 1 ? '' : 's'}: ${inv.subjects.join(' ')})`;
}

/** CloudFront's code and message for API errors; plain words for the rest. */
function describeFailure(err: unknown, options: Options, last: Batch | undefined, timedOut: boolean): string {
  if (timedOut) {
    const where = last ? `${last.kind} ${last.Id} is still ${last.Status}` : 'no answer from the control API';
    return `timed out after ${options.timeoutMs / 1000} s: ${where} (raise --timeout, or use --no-wait)`;
  }
  const e = err as { name?: string; message?: string; code?: string; $fault?: string; $metadata?: unknown };
  if (e?.$fault !== undefined && e.name) {
    const hint = SIGNATURE_ERRORS.has(e.name)
      ? ' (set EDGEFRONT_ACCESS_KEY_ID and EDGEFRONT_SECRET_ACCESS_KEY to keys the server accepts)'
      : '';
    return `${e.name}: ${e.message}${hint}`;
  }
  const code = e?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET')
    return `cannot reach the control API at ${options.endpoint} (${code}); is edgefront serve running, with --admin-port there?`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** On a terminal: one spinner line with the elapsed time and status. Otherwise a line per status. */
class Progress {
  readonly #tty = process.stderr.isTTY === true;
  #timer?: NodeJS.Timeout;
  #text = '';
  #lastStatus?: string;
  #frame = 0;

  constructor(readonly startedAt: number) {}

  created(inv: Batch, distributionId: string): void {
    this.#text = `${inv.kind} ${inv.Id} of ${distributionId} (${inv.subjects.join(' ')})`;
    if (!this.#tty) process.stderr.write(`created ${this.#text}: ${inv.Status}\n`);
    this.#lastStatus = inv.Status;
    if (this.#tty && inv.Status !== 'Completed') {
      this.#timer = setInterval(() => this.#draw(), 100);
      this.#timer.unref();
      this.#draw();
    }
  }

  status(inv: Batch): void {
    if (!this.#tty && inv.Status !== this.#lastStatus)
      process.stderr.write(`${inv.Id}: ${inv.Status} after ${seconds(Date.now() - this.startedAt)}\n`);
    this.#lastStatus = inv.Status;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#tty && this.#timer) process.stderr.write('\r\x1b[K');
    this.#timer = undefined;
  }

  #draw(): void {
    const frame = SPINNER[this.#frame++ % SPINNER.length];
    process.stderr.write(
      `\r\x1b[K${frame} ${this.#text}: ${this.#lastStatus} ${seconds(Date.now() - this.startedAt)}`,
    );
  }
}
