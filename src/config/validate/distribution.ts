/**
 * Cross-field rules of a distribution (reference/distribution.md §2–§5, origins.md §1, §6,
 * caching.md §7): origins (their custom headers included) and origin groups, behaviours and
 * their targets, error responses, aliases unique across every distribution loaded.
 */

import { formatPath } from '../../errors.js';
import { normalizePattern } from '../../model/path-pattern.js';
import { type Issues, isObj, type Obj, type Path, str } from '../issues.js';
import type { Parsed } from '../parse.js';
import { type BehaviorContext, validateBehavior } from './behavior.js';
import type { Registry } from './registry.js';

const S3_WEBSITE = /\.s3-website[.-][a-z0-9-]+\.amazonaws\.com$/i;

export function validateDistributions(list: Parsed<unknown>[], registry: Registry, issues: Issues): void {
  const aliasOwners = new Map<string, string>();
  for (const p of list) {
    const base = [...p.entry.path, 'DistributionConfig'];
    validateDistribution(p.input, base, p.entry.file, registry, issues);
    if (!Array.isArray(p.input.Aliases)) continue;
    p.input.Aliases.forEach((a, i) => {
      if (typeof a !== 'string') return;
      const where = `${p.entry.file} ${formatPath([...base, 'Aliases', i])}`;
      const owner = aliasOwners.get(a.toLowerCase());
      if (owner)
        issues.add(
          p.entry.file,
          [...base, 'Aliases', i],
          `alias "${a}" is already used (${owner})`,
          'an alias may belong to one distribution only',
        );
      else aliasOwners.set(a.toLowerCase(), where);
    });
  }
}

function validateDistribution(d: Obj, base: Path, file: string, registry: Registry, issues: Issues): void {
  const origins = Array.isArray(d.Origins) ? d.Origins : [];
  const originIds: string[] = [];
  origins.forEach((o, i) => {
    if (!isObj(o)) return;
    const at = [...base, 'Origins', i];
    const id = str(o.Id);
    if (id !== undefined) {
      if (originIds.includes(id))
        issues.add(
          file,
          [...at, 'Id'],
          `duplicate origin Id "${id}"`,
          'origin Ids must be unique within a distribution',
        );
      originIds.push(id);
    }
    const kinds = ['S3OriginConfig', 'CustomOriginConfig', 'VpcOriginConfig'].filter(
      (k) => o[k] !== undefined,
    );
    if (kinds.length !== 1) {
      issues.add(
        file,
        at,
        `an origin needs exactly one of S3OriginConfig, CustomOriginConfig or VpcOriginConfig (has ${kinds.length ? kinds.join(' and ') : 'none'})`,
        'use S3OriginConfig for S3 REST endpoints, CustomOriginConfig for anything else (S3 website endpoints included)',
      );
    }
    if (o.S3OriginConfig !== undefined && S3_WEBSITE.test(str(o.DomainName) ?? '')) {
      issues.add(
        file,
        [...at, 'S3OriginConfig'],
        'an S3 website endpoint is a custom origin',
        'use CustomOriginConfig with OriginProtocolPolicy: http-only',
      );
    }
    validateCustomHeaders(o, at, file, issues);
    const oac = str(o.OriginAccessControlId);
    if (oac !== undefined && oac !== '') {
      if (!registry.originAccessControls.resolve(oac))
        issues.add(
          file,
          [...at, 'OriginAccessControlId'],
          `"${oac}" names no origin access control`,
          registry.originAccessControls.fix(oac),
        );
      if (isObj(o.S3OriginConfig) && str(o.S3OriginConfig.OriginAccessIdentity)) {
        issues.add(
          file,
          [...at, 'S3OriginConfig', 'OriginAccessIdentity'],
          'an origin cannot use both an OAI and an OAC',
          'set OriginAccessIdentity to ""',
        );
      }
    }
  });
  const groups = isObj(d.OriginGroups) && Array.isArray(d.OriginGroups.Items) ? d.OriginGroups.Items : [];
  const groupIds: string[] = [];
  groups.forEach((g, i) => {
    if (!isObj(g)) return;
    const at = [...base, 'OriginGroups', 'Items', i];
    const id = str(g.Id);
    if (id !== undefined) {
      if (originIds.includes(id) || groupIds.includes(id))
        issues.add(file, [...at, 'Id'], `Id "${id}" is already used by an origin or origin group`);
      groupIds.push(id);
    }
    const members = isObj(g.Members) && Array.isArray(g.Members.Items) ? g.Members.Items : [];
    members.forEach((m, j) => {
      const ref = isObj(m) ? str(m.OriginId) : undefined;
      if (ref !== undefined && !originIds.includes(ref)) {
        issues.add(
          file,
          [...at, 'Members', 'Items', j, 'OriginId'],
          `"${ref}" names no origin`,
          `use one of the origin Ids: ${originIds.join(', ')}`,
        );
      }
    });
  });
  const ctx: BehaviorContext = { file, issues, registry, targets: [...originIds, ...groupIds] };
  if (isObj(d.DefaultCacheBehavior))
    validateBehavior(d.DefaultCacheBehavior, [...base, 'DefaultCacheBehavior'], ctx);
  else if (d.DefaultCacheBehavior === undefined)
    issues.add(file, base, 'missing required property DefaultCacheBehavior');
  const patterns = new Map<string, number>();
  (Array.isArray(d.CacheBehaviors) ? d.CacheBehaviors : []).forEach((b, i) => {
    if (!isObj(b)) return;
    const at = [...base, 'CacheBehaviors', i];
    validateBehavior(b, at, ctx);
    const pattern = str(b.PathPattern);
    if (pattern === undefined) return;
    const key = normalizePattern(pattern);
    const first = patterns.get(key);
    if (first !== undefined)
      issues.add(
        file,
        [...at, 'PathPattern'],
        `duplicate PathPattern "${pattern}" (also CacheBehaviors[${first}])`,
        'each cache behavior needs its own path pattern',
      );
    else patterns.set(key, i);
  });
  validateErrorResponses(d, base, file, issues);
  const cert = isObj(d.ViewerCertificate) ? d.ViewerCertificate : {};
  const publicAliases = (Array.isArray(d.Aliases) ? d.Aliases : []).filter(
    (a) => typeof a === 'string' && !/(^|\.)localhost$/.test(a),
  );
  if (publicAliases.length && !cert.AcmCertificateArn && !cert.IamCertificateId) {
    // A note, not an error: edgefront serves these names locally without one, but CloudFront
    // rejects Aliases without a certificate that covers them (distribution.md §5).
    issues.note(
      `${file}: ${formatPath([...base, 'ViewerCertificate'])}: CloudFront needs a certificate covering ${publicAliases.join(', ')} (set AcmCertificateArn, a us-east-1 ACM certificate, and SslSupportMethod: sni-only)`,
    );
  }
}

/** RFC 9110 §5.1: a field name is a token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * Why `value` cannot be sent as a header value, if it cannot: RFC 9110 §5.5 allows no control
 * character but HTAB, and a value is bytes, so only Latin-1 characters can be sent as given.
 * Deviation from CloudFront: AWS does not document which characters a value may hold; edgefront
 * refuses at load what it could not send on any request.
 */
function valueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'contains a control character (CR, LF, NUL…)';
    if (c > 0xff) return `contains ${JSON.stringify(value[i])}, which is not a Latin-1 character`;
  }
  return undefined;
}

/**
 * Origin custom headers (origins.md §1.5) beyond what the schema checks (CloudFront's denied
 * names, X-Amz-/X-Edge- prefixes, 30 headers, name/value/total lengths): each name a valid
 * header name, each value sendable, each name once per origin. The edge sends them on every
 * request to this origin as given, so anything that could not be sent is refused here rather
 * than failing every request at the origin.
 */
function validateCustomHeaders(o: Obj, at: Path, file: string, issues: Issues): void {
  const first = new Map<string, number>();
  (Array.isArray(o.OriginCustomHeaders) ? o.OriginCustomHeaders : []).forEach((h, i) => {
    if (!isObj(h)) return;
    const here = [...at, 'OriginCustomHeaders', i];
    const name = str(h.HeaderName);
    const value = str(h.HeaderValue);
    if (name !== undefined && name !== '' && !HEADER_NAME.test(name))
      issues.add(
        file,
        [...here, 'HeaderName'],
        `${JSON.stringify(name)} is not a valid header name`,
        "use letters, digits and - (RFC 9110 token characters: !#$%&'*+-.^_`|~), e.g. X-Origin-Verify",
      );
    const problem = value === undefined ? undefined : valueProblem(value);
    if (problem)
      issues.add(
        file,
        [...here, 'HeaderValue'],
        `the value of origin custom header ${JSON.stringify(name ?? '')} ${problem}`,
        'a header value is one line of Latin-1 text: remove line breaks and control characters, percent-encode anything else',
      );
    if (!name) return;
    // [undocumented] CloudFront's handling of a name listed twice: it could send one value only.
    const earlier = first.get(name.toLowerCase());
    if (earlier === undefined) first.set(name.toLowerCase(), i);
    else
      issues.add(
        file,
        [...here, 'HeaderName'],
        `origin custom header ${JSON.stringify(name)} is already set by OriginCustomHeaders[${earlier}] (names are case-insensitive)`,
        'give each header one entry',
      );
  });
}

function validateErrorResponses(d: Obj, base: Path, file: string, issues: Issues): void {
  const codes = new Set<unknown>();
  (Array.isArray(d.CustomErrorResponses) ? d.CustomErrorResponses : []).forEach((e, i) => {
    if (!isObj(e)) return;
    const at = [...base, 'CustomErrorResponses', i];
    if (codes.has(e.ErrorCode)) issues.add(file, [...at, 'ErrorCode'], `duplicate ErrorCode ${e.ErrorCode}`);
    codes.add(e.ErrorCode);
    const page = e.ResponsePagePath;
    if (page !== undefined && e.ResponseCode === undefined)
      issues.add(
        file,
        [...at, 'ResponseCode'],
        'ResponsePagePath requires a ResponseCode',
        'add ResponseCode (e.g. 200 for an SPA fallback)',
      );
    if (e.ResponseCode !== undefined && page === undefined)
      issues.add(
        file,
        [...at, 'ResponsePagePath'],
        'ResponseCode requires a ResponsePagePath',
        'add ResponsePagePath: /error.html',
      );
    if (typeof page === 'string' && !page.startsWith('/'))
      issues.add(
        file,
        [...at, 'ResponsePagePath'],
        'ResponsePagePath must start with "/"',
        `write "/${page}"`,
      );
  });
}
