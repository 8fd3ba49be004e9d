/**
 * `edgefront invalidate --distribution-id ID [--paths /a /b/* …]`: CreateInvalidation through the
 * CloudFront SDK against an edgefront admin port (or any CloudFront API endpoint), then, unless
 * `--no-wait`, GetInvalidation until `Completed` (reference/control-api.md §2.1 "Invalidations").
 * Progress goes to stderr (a spinner on a terminal, plain lines otherwise); the result to stdout,
 * `--json` printing the API's Invalidation object. Exit 0 when Completed (or created, with
 * `--no-wait`), 1 on any API error (CloudFront's code and message), on an unreachable endpoint
 * and when `--timeout` passes first.
 */
import { randomBytes } from 'node:crypto';
import type { Invalidation } from '@aws-sdk/client-cloudfront';
import { UsageError } from '../errors.js';
import { type FlagTable, helpText, parseFlags } from './flags.js';

export const INVALIDATE_FLAGS: FlagTable = {
  'distribution-id': { type: 'string', value: 'ID', help: 'the distribution whose cache to invalidate' },
  paths: {
    type: 'list',
    value: 'PATH…',
    help: 'paths to invalidate, each starting with /; * only last (/img/*). Further arguments are paths too, as in the AWS CLI',
    default: '/*',
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
    help: 'idempotency key: the same REF with the same paths returns the earlier invalidation',
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
  'edgefront invalidate --distribution-id ID [--paths /a /b/* …] [--endpoint URL] [--caller-reference REF] [--no-wait] [--json] [--timeout SECONDS]';

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
  const endpoint =
    (values.endpoint as string | undefined) ?? process.env.EDGEFRONT_ENDPOINT ?? DEFAULT_ENDPOINT;
  if (!URL.canParse(endpoint))
    throw new UsageError(
      `edgefront invalidate: --endpoint must be a URL such as ${DEFAULT_ENDPOINT}, got "${endpoint}"`,
    );
  return invalidate({
    distributionId,
    paths: paths.length ? paths : ['/*'],
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

async function invalidate(options: Options): Promise<number> {
  // The SDK warns on Node < 22 about its own future releases; edgefront supports Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-cloudfront');
  const client = new sdk.CloudFrontClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: await credentialsFor(sdk),
  });
  const started = Date.now();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const progress = new Progress(started);
  let last: Invalidation | undefined;
  try {
    const created = await client.send(
      new sdk.CreateInvalidationCommand({
        DistributionId: options.distributionId,
        InvalidationBatch: {
          CallerReference: options.callerReference,
          Paths: { Quantity: options.paths.length, Items: options.paths },
        },
      }),
      { abortSignal: deadline },
    );
    last = created.Invalidation as Invalidation;
    progress.created(last, options.distributionId);
    let delay = FIRST_POLL_MS;
    while (options.wait && last.Status !== 'Completed') {
      await sleep(delay, deadline);
      delay = Math.min(MAX_POLL_MS, delay * 2);
      const got = await client.send(
        new sdk.GetInvalidationCommand({ DistributionId: options.distributionId, Id: last.Id }),
        { abortSignal: deadline },
      );
      last = got.Invalidation as Invalidation;
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
  if (options.json) process.stdout.write(`${JSON.stringify(last, null, 2)}\n`);
  else process.stdout.write(`${summary(last, options.distributionId, Date.now() - started)}\n`);
  return 0;
}

function summary(inv: Invalidation, distributionId: string, elapsedMs: number): string {
  const paths = inv.InvalidationBatch?.Paths?.Items ?? [];
  const mark = inv.Status === 'Completed' ? '✔' : '…';
  return `${mark} invalidation ${inv.Id} of ${distributionId}: ${inv.Status} after ${seconds(elapsedMs)} (${paths.length} path${paths.length === 1 ? '' : 's'}: ${paths.join(' ')})`;
}

/** CloudFront's code and message for API errors; plain words for the rest. */
function describeFailure(
  err: unknown,
  options: Options,
  last: Invalidation | undefined,
  timedOut: boolean,
): string {
  if (timedOut) {
    const where = last ? `invalidation ${last.Id} is still ${last.Status}` : 'no answer from the control API';
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

  created(inv: Invalidation, distributionId: string): void {
    const paths = inv.InvalidationBatch?.Paths?.Items ?? [];
    this.#text = `invalidation ${inv.Id} of ${distributionId} (${paths.join(' ')})`;
    if (!this.#tty) process.stderr.write(`created ${this.#text}: ${inv.Status}\n`);
    this.#lastStatus = inv.Status;
    if (this.#tty && inv.Status !== 'Completed') {
      this.#timer = setInterval(() => this.#draw(), 100);
      this.#timer.unref();
      this.#draw();
    }
  }

  status(inv: Invalidation): void {
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
