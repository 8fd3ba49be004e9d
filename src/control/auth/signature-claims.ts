/**
 * What a request claims about its signature, read from the Authorization header or from a
 * presigned URL's X-Amz-* query parameters, and checked for shape before any cryptography
 * (reference/control-api.md §4.2 and §4.3). Every failure here is `IncompleteSignature`, except
 * a missing signature altogether and a scope in the wrong region.
 */
import { ApiError } from '../../errors.js';
import { type QueryParam, queryValue } from './canonical-request.js';

export type Algorithm = 'AWS4-HMAC-SHA256' | 'AWS4-ECDSA-P256-SHA256';
export type SigningService = 'cloudfront' | 'cloudfront-keyvaluestore';

/** Which algorithm each service accepts (§1: CloudFront is SigV4; §3: KeyValueStore is SigV4A only). */
const ALGORITHM_OF: Record<SigningService, Algorithm> = {
  cloudfront: 'AWS4-HMAC-SHA256',
  'cloudfront-keyvaluestore': 'AWS4-ECDSA-P256-SHA256',
};
/** CloudFront is global but signs in us-east-1 (§1); SigV4A region sets must cover it. */
export const SIGNING_REGION = 'us-east-1';

export interface SignatureClaims {
  algorithm: Algorithm;
  accessKeyId: string;
  /** The credential scope without the key id, as it goes into the string to sign. */
  scope: string;
  /** `YYYYMMDD'T'HHMMSS'Z'`, verbatim. */
  amzDate: string;
  signedAtMs: number;
  /** Lowercase names, in the order the client listed them. */
  signedHeaders: string[];
  /** The SignedHeaders line verbatim. */
  signedHeadersLine: string;
  signatureHex: string;
  /** Presigned URLs only: X-Amz-Expires in seconds. */
  expiresSeconds: number | undefined;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature'];
const incomplete = (message: string): ApiError => new ApiError('IncompleteSignature', message);

export function readSignatureClaims(
  headers: Headers,
  query: readonly QueryParam[],
  service: SigningService,
): SignatureClaims {
  const authorization = headers.authorization;
  const presigned = query.some((p) => PRESIGN_PARAMS.includes(p.name));
  if (authorization !== undefined && presigned) {
    throw incomplete(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
    );
  }
  if (authorization !== undefined) return fromAuthorizationHeader(authorization, headers, service);
  if (presigned) return fromPresignedQuery(query, service);
  throw new ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token');
}

function fromAuthorizationHeader(
  authorization: string | string[],
  headers: Headers,
  service: SigningService,
) {
  if (Array.isArray(authorization)) throw incomplete('Only one Authorization header is allowed.');
  const space = authorization.indexOf(' ');
  const algorithm = space === -1 ? authorization : authorization.slice(0, space);
  checkAlgorithm(algorithm, service);
  const components = new Map<string, string>();
  for (const part of space === -1 ? [] : authorization.slice(space + 1).split(',')) {
    if (part.trim() === '') continue; // a stray comma
    const eq = part.indexOf('=');
    if (eq === -1) {
      throw incomplete(
        `Authorization header requires each component to be of the form key=value: '${part.trim()}'.`,
      );
    }
    components.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!components.get(name)) throw incomplete(`Authorization header requires '${name}' parameter.`);
  }
  const amzDate = headers['x-amz-date'];
  if (amzDate === undefined) {
    throw incomplete("Authorization header requires existence of an 'X-Amz-Date' header.");
  }
  const claims = buildClaims(algorithm, service, {
    credential: components.get('Credential')!,
    signedHeadersLine: components.get('SignedHeaders')!,
    signatureHex: components.get('Signature')!,
    amzDate: String(amzDate),
    expiresSeconds: undefined,
  });
  // The date must be signed, or a captured request could be replayed with a fresh one.
  if (!claims.signedHeaders.includes('x-amz-date')) throw incomplete("'X-Amz-Date' must be a signed header.");
  if (algorithm === 'AWS4-ECDSA-P256-SHA256') {
    // §4.3: the region set replaces the scope's region, so it only counts when signed.
    if (!claims.signedHeaders.includes('x-amz-region-set')) {
      throw incomplete("'X-Amz-Region-Set' must be a signed header for AWS4-ECDSA-P256-SHA256.");
    }
    checkRegionSet(headers['x-amz-region-set']);
  }
  return claims;
}

function fromPresignedQuery(query: readonly QueryParam[], service: SigningService): SignatureClaims {
  const required = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Signature',
    'X-Amz-Date',
    'X-Amz-SignedHeaders',
    'X-Amz-Expires',
  ];
  const algorithm = queryValue(query, 'X-Amz-Algorithm') ?? '';
  if (algorithm === 'AWS4-ECDSA-P256-SHA256') required.push('X-Amz-Region-Set');
  const missing = required.filter((name) => queryValue(query, name) === undefined);
  if (missing.length > 0) {
    throw incomplete(
      `AWS query-string parameters must include ${missing.map((m) => `'${m}'`).join(', ')}. Re-examine the query-string parameters.`,
    );
  }
  checkAlgorithm(algorithm, service);
  const expires = queryValue(query, 'X-Amz-Expires')!;
  // One week is the longest any SDK presigns for.
  if (!/^\d{1,6}$/.test(expires) || Number(expires) < 1 || Number(expires) > 604_800) {
    throw incomplete(`X-Amz-Expires must be a whole number of seconds from 1 to 604800, not '${expires}'.`);
  }
  if (algorithm === 'AWS4-ECDSA-P256-SHA256') checkRegionSet(queryValue(query, 'X-Amz-Region-Set'));
  // Every X-Amz-* parameter is in the canonical query, so date, expiry and region set are signed.
  return buildClaims(algorithm, service, {
    credential: queryValue(query, 'X-Amz-Credential')!,
    signedHeadersLine: queryValue(query, 'X-Amz-SignedHeaders')!,
    signatureHex: queryValue(query, 'X-Amz-Signature')!,
    amzDate: queryValue(query, 'X-Amz-Date')!,
    expiresSeconds: Number(expires),
  });
}

function checkAlgorithm(algorithm: string, service: SigningService): asserts algorithm is Algorithm {
  if (algorithm === ALGORITHM_OF[service]) return;
  if (algorithm !== 'AWS4-HMAC-SHA256' && algorithm !== 'AWS4-ECDSA-P256-SHA256') {
    throw incomplete(
      `Unsupported AWS 'algorithm': '${algorithm}'; ${service} expects '${ALGORITHM_OF[service]}'.`,
    );
  }
  throw incomplete(
    service === 'cloudfront-keyvaluestore'
      ? "Credential should be scoped to a valid region: cloudfront-keyvaluestore accepts only SigV4A ('AWS4-ECDSA-P256-SHA256') signatures."
      : "CloudFront's API accepts only SigV4 ('AWS4-HMAC-SHA256') signatures.",
  );
}

interface RawClaims {
  credential: string;
  signedHeadersLine: string;
  signatureHex: string;
  amzDate: string;
  expiresSeconds: number | undefined;
}

/** Checks the credential scope and the date against each other (§4.1–§4.3). */
function buildClaims(algorithm: Algorithm, service: SigningService, raw: RawClaims): SignatureClaims {
  const isV4a = algorithm === 'AWS4-ECDSA-P256-SHA256';
  const parts = raw.credential.split('/');
  const shape = isV4a ? 'keyid/date/service/term' : 'keyid/date/region/service/term';
  if (parts.length !== (isV4a ? 4 : 5)) {
    throw incomplete(
      `Credential should have exactly ${isV4a ? 4 : 5} slash-delimited elements, e.g. ${shape}, got '${raw.credential}'.`,
    );
  }
  const [accessKeyId, scopeDate] = parts;
  const [scopeService, terminator] = parts.slice(-2);
  if (scopeService !== service)
    throw incomplete(`Credential should be scoped to correct service: '${service}'.`);
  if (terminator !== 'aws4_request') {
    throw incomplete(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    );
  }
  const signedAtMs = parseAmzDate(raw.amzDate);
  if (scopeDate !== raw.amzDate.slice(0, 8)) {
    throw incomplete(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${raw.amzDate.slice(0, 8)}', from '${raw.amzDate}'.`,
    );
  }
  if (!isV4a && parts[2] !== SIGNING_REGION) {
    throw new ApiError(
      'SignatureDoesNotMatch',
      `Credential should be scoped to a valid region, not '${parts[2]}'. CloudFront signs with region '${SIGNING_REGION}'.`,
    );
  }
  const signedHeaders = raw.signedHeadersLine.split(';');
  if (!signedHeaders.includes('host')) throw incomplete("'Host' must be a signed header.");
  return {
    algorithm,
    accessKeyId,
    scope: parts.slice(1).join('/'),
    amzDate: raw.amzDate,
    signedAtMs,
    signedHeaders,
    signedHeadersLine: raw.signedHeadersLine,
    signatureHex: raw.signatureHex,
    expiresSeconds: raw.expiresSeconds,
  };
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** `YYYYMMDD'T'HHMMSS'Z'` → ms; a calendar-impossible date (Feb 30) is malformed too. */
function parseAmzDate(amzDate: string): number {
  const m = AMZ_DATE.exec(amzDate);
  const ms = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Number.NaN;
  if (!m || formatAmzDate(ms) !== amzDate) {
    throw incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  return ms;
}

export function formatAmzDate(ms: number): string {
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** A SigV4A region set must include the region this server answers for: `*` or us-east-1 (§4.3). */
function checkRegionSet(regionSet: string | string[] | undefined): void {
  const regions = String(regionSet ?? '')
    .split(',')
    .map((r) => r.trim());
  if (!regions.includes('*') && !regions.includes(SIGNING_REGION)) {
    throw incomplete(`X-Amz-Region-Set '${regionSet ?? ''}' does not include '*' or '${SIGNING_REGION}'.`);
  }
}
