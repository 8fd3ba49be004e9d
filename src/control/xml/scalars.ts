/**
 * Typed leaf elements of CloudFront's XML, by element name (the model has no name that is a
 * number in one shape and a string in another; the codec test checks these tables against the
 * SDK's model). Everything not listed is a string: `ResponseCode`, `ComputeUtilization`,
 * `MaxItems` in query strings… Timestamps are read as the text sent (ISO-8601), and blobs
 * (`FunctionCode`, `EventObject`) stay base64 text.
 */
import { ApiError } from '../../errors.js';
import { quote } from './text.js';

/** Whole numbers (Java int/long in the model). */
export const INTEGER_FIELDS = new Set([
  'AccessControlMaxAgeSec',
  'ConnectionAttempts',
  'ConnectionTimeout',
  'DefaultTTL',
  'ErrorCachingMinTTL',
  'ErrorCode',
  'HTTPPort',
  'HTTPSPort',
  'IdleTTL',
  'InProgressInvalidationBatches',
  'IpCount',
  'MaxItems',
  'MaxTTL',
  'MaximumTTL',
  'MinTTL',
  'NumberOfCaCertificates',
  'OriginKeepaliveTimeout',
  'OriginReadTimeout',
  'Quantity',
  'ResponseCompletionTimeout',
  'StatusCode',
]);

/** Fractions allowed: continuous deployment `Weight` (0–0.15), server-timing `SamplingRate`. */
export const DECIMAL_FIELDS = new Set(['SamplingRate', 'Weight']);

export const BOOLEAN_FIELDS = new Set([
  'AccessControlAllowCredentials',
  'AdvertiseTrustStoreCaNames',
  'CloudFrontDefaultCertificate',
  'Compress',
  'EnableAcceptEncodingBrotli',
  'EnableAcceptEncodingGzip',
  'Enabled',
  'ForwardWhenContentTypeIsUnknown',
  'ForwardWhenQueryArgProfileIsUnknown',
  'IgnoreCertificateExpiry',
  'IncludeBody',
  'IncludeCookies',
  'IncludeSubdomains',
  'Ipv6Enabled',
  'IsDefault',
  'IsIPV6Enabled',
  'IsTruncated',
  'ModeBlock',
  'OriginOverride',
  'Override',
  'Preload',
  'Protection',
  'QueryString',
  'Required',
  'SmoothStreaming',
  'Staging',
  'UseClientCertificateOCSPEndpoint',
]);

export const TIMESTAMP_FIELDS = new Set(['CreateTime', 'CreatedTime', 'LastModifiedTime']);

export const BLOB_FIELDS = new Set([
  'ConnectionFunctionCode',
  'ConnectionObject',
  'EventObject',
  'FunctionCode',
]);

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether `<name>` must hold text (a number or a boolean), never child elements. */
export function isTypedScalar(name: string): boolean {
  return INTEGER_FIELDS.has(name) || DECIMAL_FIELDS.has(name) || BOOLEAN_FIELDS.has(name);
}

/** The SDK-shaped value of the leaf `<name>text</name>`; `path` names it in errors. */
export function readScalar(name: string, text: string, path: string): string | number | boolean {
  if (INTEGER_FIELDS.has(name) || DECIMAL_FIELDS.has(name)) {
    const pattern = INTEGER_FIELDS.has(name) ? INTEGER : DECIMAL;
    const n = Number(text);
    if (!pattern.test(text) || !(pattern === INTEGER ? Number.isSafeInteger(n) : Number.isFinite(n)))
      throw new ApiError(
        'InvalidArgument',
        `${path}: "${quote(text)}" is not ${pattern === INTEGER ? 'an integer' : 'a number'}`,
      );
    return n;
  }
  if (BOOLEAN_FIELDS.has(name)) {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new ApiError('InvalidArgument', `${path}: "${quote(text)}" is not true or false`);
  }
  return text;
}

/** The text of a leaf value for `toXml`: Dates and timestamp strings as ISO-8601 with ms. */
export function writeScalar(name: string, value: unknown): string {
  if (value instanceof Date) return isoOf(value, name);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`toXml: ${name} is ${value}, which XML cannot carry`);
    return String(value);
  }
  if (typeof value === 'string' && TIMESTAMP_FIELDS.has(name)) return isoOf(new Date(value), name);
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new TypeError(`toXml: ${name} has a value of type ${typeof value}`);
}

function isoOf(date: Date, name: string): string {
  if (Number.isNaN(date.getTime())) throw new TypeError(`toXml: ${name} is not a valid timestamp`);
  return date.toISOString();
}
