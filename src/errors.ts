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
    reason: "Bad request. We can't connect to the server for this app or website at this time.",
  },
  DistributionDisabled: {
    status: 403,
    source: 'viewer',
    reason: "Bad request. We can't connect to the server for this app or website at this time.",
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
  /** Restrictions.GeoRestriction blocks the viewer's country (distribution.md §6). */
  ClientGeoBlocked: {
    status: 403,
    source: 'viewer',
    reason: 'The Amazon CloudFront distribution is configured to block access from your country.',
  },
  /**
   * The viewer hung up (or stalled past the body timeout) before its request body was whole:
   * whatever failed after that, reading the body, is its doing. The answer reaches no one (a
   * stalled viewer gets the listener's 408); CloudFront logs this detailed result type.
   */
  ClientHungUpRequest: { status: 400, source: 'viewer', reason: 'Bad request.' },
  /** URL over 8,192 bytes, or request line + headers over 20,480 (distribution.md §4.3): 413, then close. */
  RequestTooLarge: { status: 413, source: 'viewer', reason: 'Request Entity Too Large.' },
  // signed URLs and cookies (distribution.md §10): an XML body, <Code> without the prefix, reason as <Message>
  SignedUrlMissingKey: {
    status: 403,
    source: 'viewer',
    reason: 'Missing Key-Pair-Id query parameter or cookie value',
  },
  SignedUrlInvalidKey: { status: 403, source: 'viewer', reason: 'Unknown Key' },
  SignedUrlMalformedSignature: { status: 403, source: 'viewer', reason: 'Could not unencode Signature' },
  SignedUrlMalformedPolicy: { status: 403, source: 'viewer', reason: 'Malformed Policy' },
  SignedUrlAccessDenied: { status: 403, source: 'viewer', reason: 'Access denied' },
  // origin
  OriginDnsError: {
    status: 502,
    source: 'origin',
    reason: "CloudFront wasn't able to resolve the origin domain name.",
  },
  OriginConnectError: {
    status: 502,
    source: 'origin',
    reason: "CloudFront wasn't able to connect to the origin.",
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

/**
 * Control plane: the CloudFront API's own error codes (reference/control-api.md §2.3) with
 * their HTTP statuses; the SDK maps each `Code` to an exception class of the same name.
 */
export const API_ERRORS = {
  AccessDenied: 403,
  InvalidArgument: 400,
  MissingBody: 400,
  InconsistentQuantities: 400,
  MalformedXML: 400,
  InvalidURI: 400,
  InvalidIfMatchVersion: 400,
  PreconditionFailed: 412,
  IllegalUpdate: 400,
  IllegalDelete: 400,
  NoSuchDistribution: 404,
  NoSuchInvalidation: 404,
  NoSuchFunctionExists: 404,
  NoSuchCachePolicy: 404,
  NoSuchOriginRequestPolicy: 404,
  NoSuchResponseHeadersPolicy: 404,
  NoSuchOriginAccessControl: 404,
  NoSuchPublicKey: 404,
  NoSuchContinuousDeploymentPolicy: 404,
  NoSuchResource: 404,
  EntityNotFound: 404,
  DistributionAlreadyExists: 409,
  DistributionNotDisabled: 409,
  CNAMEAlreadyExists: 409,
  ResourceInUse: 409,
  StagingDistributionInUse: 409,
  ContinuousDeploymentPolicyInUse: 409,
  InvalidationBatchAlreadyExists: 409,
  TooManyInvalidationsInProgress: 400,
  BatchTooLarge: 413,
  TooManyDistributions: 400,
  TooManyFunctions: 400,
  TooManyCachePolicies: 400,
  TooManyOriginRequestPolicies: 400,
  TooManyResponseHeadersPolicies: 400,
  TooManyOriginAccessControls: 400,
  TooManyPublicKeys: 400,
  TooManyKeyGroups: 400,
  TooManyPublicKeysInKeyGroup: 400,
  TooManyContinuousDeploymentPolicies: 400,
  TooManyTagKeys: 400,
  InvalidFunctionAssociation: 400,
  InvalidLambdaFunctionAssociation: 400,
  InvalidTagging: 400,
  InvalidOrigin: 400,
  IllegalOriginAccessConfiguration: 400,
  TrustedKeyGroupDoesNotExist: 400,
  FunctionAlreadyExists: 409,
  FunctionInUse: 409,
  FunctionSizeLimitExceeded: 413,
  TestFunctionFailed: 500,
  UnsupportedOperation: 400,
  CachePolicyAlreadyExists: 409,
  OriginRequestPolicyAlreadyExists: 409,
  ResponseHeadersPolicyAlreadyExists: 409,
  OriginAccessControlAlreadyExists: 409,
  PublicKeyAlreadyExists: 409,
  KeyGroupAlreadyExists: 409,
  ContinuousDeploymentPolicyAlreadyExists: 409,
  EntityAlreadyExists: 409,
  CachePolicyInUse: 409,
  OriginRequestPolicyInUse: 409,
  ResponseHeadersPolicyInUse: 409,
  OriginAccessControlInUse: 409,
  PublicKeyInUse: 409,
  CannotDeleteEntityWhileInUse: 409,
  CannotChangeImmutablePublicKeyFields: 400,
  EntityLimitExceeded: 400,
  EntitySizeLimitExceeded: 413,
  TooLongCSPInResponseHeadersPolicy: 400,
  // Signature checks (AWS's common codes; 403 as every AWS query/REST service answers them).
  MissingAuthenticationToken: 403,
  IncompleteSignature: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  RequestExpired: 403,
  // Too large a request body for the admin port.
  RequestEntityTooLarge: 413,
  ServiceUnavailable: 503,
  InternalError: 500,
  // Policy bodies over CloudFront's per-policy limits (10 names per list, 10 custom or removed headers).
  TooManyHeadersInCachePolicy: 400,
  TooManyCookiesInCachePolicy: 400,
  TooManyQueryStringsInCachePolicy: 400,
  TooManyHeadersInOriginRequestPolicy: 400,
  TooManyCookiesInOriginRequestPolicy: 400,
  TooManyQueryStringsInOriginRequestPolicy: 400,
  TooManyCustomHeadersInResponseHeadersPolicy: 400,
  TooManyRemoveHeadersInResponseHeadersPolicy: 400,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** A control-plane failure; the API router renders it as CloudFront's XML `ErrorResponse`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = `ApiError [${code}]`;
    this.status = API_ERRORS[code];
  }
  /** `Sender` for client faults, `Receiver` for server faults, as CloudFront's body says. */
  get faultType(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/**
 * The KeyValueStore data-plane API's errors (rest-json, reference/control-api.md §3): the
 * code goes in `x-amzn-ErrorType`, the message in a JSON body.
 */
export const KVS_ERRORS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  InternalServerException: 500,
} as const;

export type KvsErrorCode = keyof typeof KVS_ERRORS;

export class KvsApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: KvsErrorCode,
    message: string,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, options);
    this.name = `KvsApiError [${code}]`;
    // The model has no 503 code: a cluster without Redis answers InternalServerException with 503.
    this.status = options?.status ?? KVS_ERRORS[code];
  }
}
