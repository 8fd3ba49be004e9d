/**
 * Which headers edge functions may see and change (reference/cloudfront-functions.md §5.1,
 * lambda-edge.md §5). Shared by the CloudFront Functions and Lambda@Edge runtimes: a disallowed
 * header is never shown to a function and adding one is a validation error (502); a read-only
 * header may be read, and adding, changing or deleting it is a validation error (502).
 */

export type EdgeEventType = 'viewer-request' | 'origin-request' | 'origin-response' | 'viewer-response';

const DISALLOWED = new Set([
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'trailer',
  'upgrade',
  'x-accel-buffering',
  'x-accel-charset',
  'x-accel-limit-rate',
  'x-accel-redirect',
  'x-amzn-auth',
  'x-amzn-cf-billing',
  'x-amzn-cf-id',
  'x-amzn-cf-xff',
  'x-amzn-errortype',
  'x-amzn-fle-profile',
  'x-amzn-header-count',
  'x-amzn-header-order',
  'x-amzn-lambda-integration-tag',
  'x-amzn-requestid',
  'x-cache',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** `name` lowercase. X-Amz-Cf-* and X-Edge-* are disallowed as whole families. */
export function isDisallowedHeader(name: string): boolean {
  return DISALLOWED.has(name) || name.startsWith('x-amz-cf-') || name.startsWith('x-edge-');
}

const READ_ONLY_CLOUDFRONT_FUNCTIONS: Record<'viewer-request' | 'viewer-response', ReadonlySet<string>> = {
  'viewer-request': new Set(['cdn-loop', 'content-length', 'host', 'transfer-encoding', 'via']),
  'viewer-response': new Set(['warning', 'via']),
};

const READ_ONLY_LAMBDA: Record<EdgeEventType, ReadonlySet<string>> = {
  'viewer-request': READ_ONLY_CLOUDFRONT_FUNCTIONS['viewer-request'],
  'origin-request': new Set([
    'accept-encoding',
    'cdn-loop',
    'content-length',
    'if-modified-since',
    'if-none-match',
    'if-range',
    'if-unmodified-since',
    'transfer-encoding',
    'via',
  ]),
  'origin-response': new Set(['transfer-encoding', 'via']),
  'viewer-response': new Set(['warning', 'via', 'content-length', 'content-encoding', 'transfer-encoding']),
};

/** `name` lowercase. */
export function isReadOnlyHeader(
  kind: 'cloudfront-function' | 'lambda',
  event: EdgeEventType,
  name: string,
): boolean {
  const table =
    kind === 'lambda'
      ? READ_ONLY_LAMBDA[event]
      : READ_ONLY_CLOUDFRONT_FUNCTIONS[event as 'viewer-request' | 'viewer-response'];
  return table?.has(name) === true;
}

/**
 * A viewer-request Lambda@Edge function may not add CloudFront's own viewer headers: CloudFront
 * adds them after that stage (lambda-edge.md §5).
 */
export function isCloudFrontGeneratedHeader(name: string): boolean {
  return name.startsWith('cloudfront-');
}
