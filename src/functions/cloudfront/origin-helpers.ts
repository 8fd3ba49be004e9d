/**
 * The arguments of the 2.0 origin helpers of the `cloudfront` module (reference §4.4.2). Invalid
 * arguments do not throw inside the function: CloudFront reports them as a
 * FunctionValidationError (502) after the run, and so does `run()`.
 */
import { isIP } from 'node:net';
import { isDisallowedHeader } from '../header-rules.js';
import type {
  FunctionEvent,
  OriginHostOverrides,
  OriginOverride,
  RequestOriginGroupParams,
  UpdateRequestOriginParams,
} from './types.js';

type Obj = Record<string, unknown>;
class Invalid extends Error {}
const invalid = (message: string): never => {
  throw new Invalid(message);
};
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const S3_DOMAIN = /\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const NOT_URL_ENCODED = /[\x00-\x20\x7f#?]/;
/** Status codes an origin group may fail over on (distribution.md, origin groups). */
const FAILOVER_CODES = new Set([400, 403, 404, 416, 500, 502, 503, 504]);

/** The override `kind` asks for, or a validation message. `a`/`b` are the helper's arguments. */
export function checkOriginCall(
  kind: string,
  a: unknown,
  b: unknown,
  event: FunctionEvent,
): { override: OriginOverride } | { message: string } {
  try {
    if (event.context.eventType !== 'viewer-request')
      invalid('origin helpers of the cloudfront module can be used in viewer-request functions only');
    switch (kind) {
      case 'update':
        return { override: { kind: 'update', params: checkUpdate(a, event) } };
      case 'select': {
        if (typeof a !== 'string' || a === '')
          invalid('selectRequestOriginById: originId must be a non-empty string');
        const overrides =
          b === undefined || b === null ? undefined : checkOverrides(b, 'selectRequestOriginById');
        return { override: { kind: 'select', originId: a as string, ...(overrides ? { overrides } : {}) } };
      }
      case 'group':
        return { override: { kind: 'group', params: checkGroup(a) } };
      default:
        return invalid(`unknown origin helper ${kind}`);
    }
  } catch (error) {
    if (error instanceof Invalid) return { message: error.message };
    throw error;
  }
}

function checkKeys(o: Obj, allowed: readonly string[], where: string) {
  for (const key of Object.keys(o)) if (!allowed.includes(key)) invalid(`${where}: unknown parameter ${key}`);
}

function checkHostName(value: unknown, where: string, max = 253): string {
  if (typeof value !== 'string' || value === '') return invalid(`${where} must be a non-empty string`);
  if (value.includes(':')) invalid(`${where} must not contain ":"`);
  if (isIP(value)) invalid(`${where} must be a DNS name, not an IP address`);
  if (value.length > max) invalid(`${where} must be at most ${max} characters`);
  return value;
}

function checkOverrides(o: unknown, where: string): OriginHostOverrides {
  if (!isObject(o)) return invalid(`${where}: overrides must be an object`);
  checkKeys(o, ['hostHeader', 'sni', 'allowedCertificateNames'], where);
  const out: OriginHostOverrides = {};
  if (o.hostHeader !== undefined) out.hostHeader = checkHostName(o.hostHeader, `${where}: hostHeader`);
  if (o.sni !== undefined) out.sni = checkHostName(o.sni, `${where}: sni`);
  if (o.allowedCertificateNames !== undefined) {
    const names = o.allowedCertificateNames;
    if (!Array.isArray(names) || names.length > 20)
      invalid(`${where}: allowedCertificateNames must be an array of at most 20 names`);
    for (const n of names as unknown[])
      if (typeof n !== 'string' || n === '' || n.length > 64)
        invalid(`${where}: allowedCertificateNames entries must be names of at most 64 characters`);
    out.allowedCertificateNames = [...(names as string[])];
  }
  return out;
}

function numberIn(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(`${where} must be an integer from ${min} to ${max}`);
  return value as number;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T)) invalid(`${where} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const UPDATE_KEYS = [
  'domainName',
  'hostHeader',
  'originPath',
  'customHeaders',
  'connectionAttempts',
  'originShield',
  'originAccessControlConfig',
  'timeouts',
  'customOriginConfig',
  'ipAddressType',
  'sni',
  'allowedCertificateNames',
] as const;

function checkUpdate(p: unknown, event: FunctionEvent): UpdateRequestOriginParams {
  const where = 'updateRequestOrigin';
  if (!isObject(p)) return invalid(`${where}: params must be an object`);
  checkKeys(p, UPDATE_KEYS, where);
  const out: UpdateRequestOriginParams = {
    ...checkOverrides(pick(p, ['hostHeader', 'sni', 'allowedCertificateNames']), where),
  };
  let s3 = false;
  if (p.domainName !== undefined) {
    const domain = checkHostName(p.domainName, `${where}: domainName`);
    s3 = S3_DOMAIN.test(domain);
    if (s3 && (domain !== domain.toLowerCase() || domain.length > 128))
      invalid(`${where}: an S3 domainName must be lowercase and at most 128 characters`);
    out.domainName = domain;
  }
  if (s3 && p.hostHeader !== undefined) invalid(`${where}: hostHeader can't be set for an S3 origin`);
  if (p.originPath !== undefined) {
    const path = p.originPath;
    if (typeof path !== 'string' || !path.startsWith('/') || path.endsWith('/') || path.length > 255)
      invalid(`${where}: originPath must start with "/", not end with "/", and be at most 255 characters`);
    if (NOT_URL_ENCODED.test(path as string)) invalid(`${where}: originPath must be URL-encoded`);
    out.originPath = path as string;
  }
  if (p.customHeaders !== undefined) out.customHeaders = checkCustomHeaders(p.customHeaders, event, where);
  if (p.connectionAttempts !== undefined)
    out.connectionAttempts = numberIn(p.connectionAttempts, 1, 3, `${where}: connectionAttempts`);
  if (p.originShield !== undefined) {
    const os = p.originShield;
    if (!isObject(os) || typeof os.enabled !== 'boolean')
      invalid(`${where}: originShield must be { enabled: boolean, region }`);
    const shield = os as Obj;
    checkKeys(shield, ['enabled', 'region'], `${where}: originShield`);
    if (shield.enabled && (typeof shield.region !== 'string' || !REGION.test(shield.region)))
      invalid(`${where}: originShield.region must be a Region code such as us-east-2`);
    out.originShield = {
      enabled: shield.enabled as boolean,
      ...(shield.region ? { region: shield.region as string } : {}),
    };
  }
  if (p.originAccessControlConfig !== undefined)
    out.originAccessControlConfig = checkOac(p.originAccessControlConfig, where);
  if (p.timeouts !== undefined) out.timeouts = checkTimeouts(p.timeouts, where);
  if (p.customOriginConfig !== undefined) {
    const c = p.customOriginConfig;
    if (!isObject(c)) return invalid(`${where}: customOriginConfig must be an object`);
    checkKeys(c, ['port', 'protocol', 'sslProtocols'], `${where}: customOriginConfig`);
    const port = numberIn(c.port, 1, 65535, `${where}: customOriginConfig.port`);
    const protocol = oneOf(c.protocol, ['http', 'https'] as const, `${where}: customOriginConfig.protocol`);
    const ssl = c.sslProtocols;
    if (!Array.isArray(ssl) || ssl.length === 0)
      invalid(`${where}: customOriginConfig.sslProtocols must be a non-empty array`);
    for (const v of ssl as unknown[])
      oneOf(
        v,
        ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'] as const,
        `${where}: customOriginConfig.sslProtocols[]`,
      );
    out.customOriginConfig = { port, protocol, sslProtocols: [...(ssl as string[])] };
  }
  if (p.ipAddressType !== undefined) {
    out.ipAddressType = oneOf(
      p.ipAddressType,
      ['ipv4', 'ipv6', 'dualstack'] as const,
      `${where}: ipAddressType`,
    );
    if (p.domainName === undefined)
      invalid(`${where}: ipAddressType can only be set together with domainName`);
  }
  return out;
}

function pick(o: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function checkCustomHeaders(h: unknown, event: FunctionEvent, where: string): Record<string, string> {
  if (!isObject(h)) return invalid(`${where}: customHeaders must be a flat object { name: value }`);
  const out: Record<string, string> = Object.create(null);
  const incoming = event.request.headers ?? {};
  for (const [name, value] of Object.entries(h)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name))
      invalid(`${where}: customHeaders names must be lowercase header names (got ${JSON.stringify(name)})`);
    if (isDisallowedHeader(name)) invalid(`${where}: customHeaders can't set disallowed header ${name}`);
    if (Object.hasOwn(incoming, name))
      invalid(`${where}: customHeaders can't set ${name}: the request already has it`);
    if (typeof value !== 'string' || /[\r\n\0]/.test(value))
      invalid(`${where}: customHeaders["${name}"] must be a string (flat map, not { value })`);
    out[name] = value as string;
  }
  return out;
}

function checkOac(
  o: unknown,
  where: string,
): NonNullable<UpdateRequestOriginParams['originAccessControlConfig']> {
  const w = `${where}: originAccessControlConfig`;
  if (!isObject(o) || typeof o.enabled !== 'boolean') return invalid(`${w} must be { enabled: boolean, … }`);
  checkKeys(o, ['enabled', 'signingBehavior', 'signingProtocol', 'originType', 'region'], w);
  if (!o.enabled) return { enabled: false };
  return {
    enabled: true,
    signingBehavior: oneOf(
      o.signingBehavior,
      ['always', 'never', 'no-override'] as const,
      `${w}.signingBehavior`,
    ),
    signingProtocol: oneOf(o.signingProtocol, ['sigv4'] as const, `${w}.signingProtocol`),
    originType: oneOf(
      o.originType,
      ['s3', 'mediapackagev2', 'mediastore', 'lambda'] as const,
      `${w}.originType`,
    ),
    ...(typeof o.region === 'string' ? { region: o.region } : {}),
  };
}

function checkTimeouts(o: unknown, where: string): NonNullable<UpdateRequestOriginParams['timeouts']> {
  const w = `${where}: timeouts`;
  if (!isObject(o)) return invalid(`${w} must be an object`);
  checkKeys(o, ['readTimeout', 'responseCompletionTimeout', 'keepAliveTimeout', 'connectionTimeout'], w);
  const out: NonNullable<UpdateRequestOriginParams['timeouts']> = {};
  if (o.readTimeout !== undefined) out.readTimeout = numberIn(o.readTimeout, 1, 120, `${w}.readTimeout`);
  if (o.keepAliveTimeout !== undefined)
    out.keepAliveTimeout = numberIn(o.keepAliveTimeout, 1, 120, `${w}.keepAliveTimeout`);
  if (o.connectionTimeout !== undefined)
    out.connectionTimeout = numberIn(o.connectionTimeout, 1, 10, `${w}.connectionTimeout`);
  if (o.responseCompletionTimeout !== undefined) {
    const min = out.readTimeout ?? 1;
    out.responseCompletionTimeout = numberIn(
      o.responseCompletionTimeout,
      min,
      86400,
      `${w}.responseCompletionTimeout`,
    );
  }
  return out;
}

function checkGroup(p: unknown): RequestOriginGroupParams {
  const where = 'createRequestOriginGroup';
  if (!isObject(p)) return invalid(`${where}: params must be an object`);
  checkKeys(p, ['originIds', 'selectionCriteria', 'failoverCriteria'], where);
  const ids = p.originIds;
  if (!Array.isArray(ids) || ids.length !== 2)
    invalid(`${where}: originIds must list exactly 2 origins (primary, secondary)`);
  // The AWS example passes { originId, originOverrides } objects, community typings plain strings: both work.
  const originIds = (ids as unknown[]).map((item, i) => {
    if (typeof item === 'string' && item !== '') return { originId: item };
    if (!isObject(item) || typeof item.originId !== 'string' || item.originId === '')
      invalid(`${where}: originIds[${i}] must be an origin id or { originId, originOverrides? }`);
    const o = item as Obj;
    checkKeys(o, ['originId', 'originOverrides'], `${where}: originIds[${i}]`);
    return {
      originId: o.originId as string,
      ...(o.originOverrides === undefined
        ? {}
        : {
            originOverrides: checkOverrides(o.originOverrides, `${where}: originIds[${i}].originOverrides`),
          }),
    };
  });
  const selectionCriteria = oneOf(
    p.selectionCriteria ?? 'default',
    ['default', 'media-quality-score'] as const,
    `${where}: selectionCriteria`,
  );
  const fc = p.failoverCriteria;
  if (!isObject(fc) || !Array.isArray(fc.statusCodes) || fc.statusCodes.length === 0)
    invalid(`${where}: failoverCriteria must be { statusCodes: [...] }`);
  const statusCodes = (fc as Obj).statusCodes as unknown[];
  for (const code of statusCodes)
    if (typeof code !== 'number' || !FAILOVER_CODES.has(code))
      invalid(`${where}: failoverCriteria.statusCodes must be among ${[...FAILOVER_CODES].join(', ')}`);
  return { originIds, selectionCriteria, failoverCriteria: { statusCodes: [...(statusCodes as number[])] } };
}
