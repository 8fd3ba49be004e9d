/**
 * Every error code edgefront emits, in one catalogue (STYLE.md §4).
 * Viewer-path failures are named like CloudFront's detailed result types
 * (reference/distribution.md §11.1) so that X-Cache, logs and tests agree.
 */

export type Source = 'viewer' | 'origin' | 'function' | 'internal';

export const EDGE_ERRORS = {
  // viewer
  InvalidRequest: { status: 400, source: 'viewer', reason: 'Bad request.' },
  InvalidRequestMethod: {
    status: 403,
    source: 'viewer',
    reason:
      'This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.',
  },
  InvalidRequestBody: { status: 403, source: 'viewer', reason: 'Bad request.' },
  InvalidHost: {
    status: 403,
    source: 'viewer',
    reason: 'Bad request. We can’t connect to the server for this app or website at this time.',
  },
  DistributionDisabled: {
    status: 403,
    source: 'viewer',
    reason: 'Bad request. We can’t connect to the server for this app or website at this time.',
  },
  DistributionChainTooLong: {
    status: 403,
    source: 'viewer',
    reason: 'Bad request. The request passed through too many CloudFront distributions.',
  },
  HttpsRequired: {
    status: 403,
    source: 'viewer',
    reason: 'The distribution requires HTTPS. Request this resource with https.',
  },
  /** URL over 8,192 bytes, or request line + headers over 20,480 (distribution.md §4.3): 413, then close. */
  RequestTooLarge: { status: 413, source: 'viewer', reason: 'Request Entity Too Large.' },
  // origin
  OriginDnsError: {
    status: 502,
    source: 'origin',
    reason: 'CloudFront wasn’t able to resolve the origin domain name.',
  },
  OriginConnectError: {
    status: 502,
    source: 'origin',
    reason: 'CloudFront wasn’t able to connect to the origin.',
  },
  OriginCommError: {
    status: 504,
    source: 'origin',
    reason: 'CloudFront attempted to establish a connection with the origin, but the origin timed out.',
  },
  OriginInvalidResponseError: {
    status: 502,
    source: 'origin',
    reason: 'The origin returned an invalid response.',
  },
  OriginHeaderTooBigError: {
    status: 502,
    source: 'origin',
    reason: 'The origin returned response headers that are too large.',
  },
  // edge functions (cloudfront-functions.md §6, lambda-edge.md §8): X-Cache names the code
  FunctionExecutionError: {
    status: 503,
    source: 'function',
    reason: 'The CloudFront function associated with the cache behavior failed to run.',
  },
  FunctionValidationError: {
    status: 502,
    source: 'function',
    reason: 'The CloudFront function returned an invalid value.',
  },
  LambdaExecutionError: {
    status: 503,
    source: 'function',
    reason: 'The Lambda function associated with the CloudFront distribution failed to run.',
  },
  LambdaValidationError: {
    status: 502,
    source: 'function',
    reason: 'The Lambda function returned an invalid response to CloudFront.',
  },
  LambdaLimitExceeded: {
    status: 503,
    source: 'function',
    reason: 'The Lambda function associated with the CloudFront distribution was throttled or timed out.',
  },
  // internal
  Error: { status: 500, source: 'internal', reason: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; source: Source; reason: string }>;

export type EdgeErrorCode = keyof typeof EDGE_ERRORS;

/** A failure on the viewer path. Rendered once, by the lifecycle loop, as a CloudFront error page. */
export class EdgeError extends Error {
  readonly status: number;
  readonly source: Source;
  constructor(
    readonly code: EdgeErrorCode,
    message?: string,
    options?: ErrorOptions,
  ) {
    super(message ?? EDGE_ERRORS[code].reason, options); // options.cause keeps the socket/DNS error
    this.name = `EdgeError [${code}]`;
    this.status = EDGE_ERRORS[code].status;
    this.source = EDGE_ERRORS[code].source;
  }

  /** Wraps anything thrown on the data path; unknown errors become an internal 500. */
  static from(err: unknown): EdgeError {
    if (err instanceof EdgeError) return err;
    return new EdgeError('Error', undefined, { cause: err });
  }
}

/** One problem found in a config file: where it is, what is wrong, how to fix it (STYLE.md §5). */
export interface ConfigIssue {
  file: string;
  path: (string | number)[];
  message: string;
  fix?: string;
  /** 1-based line in the file, when the loader knows it (YAML). */
  line?: number;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `${issues.length} config error${issues.length === 1 ? '' : 's'}:\n${issues.map(formatIssue).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** `edgefront.yaml:12 Distributions[0].DistributionConfig.Origins[1].Id: message (fix: …)` */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}` : issue.file;
  const path = formatPath(issue.path);
  return `${where} ${path || '(root)'}: ${issue.message}${issue.fix ? ` (fix: ${issue.fix})` : ''}`;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** A bad command line: the message says which flag and what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}
