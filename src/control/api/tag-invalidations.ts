/**
 * Tag invalidations: an edgefront extension of the control API (CloudFront has no purge by tag).
 * It lives under `EDGEFRONT_API_PREFIX`, never under CloudFront's /2020-05-31, and speaks JSON;
 * signatures (SigV4, service `cloudfront`) and error bodies (`ErrorResponse` XML) are the API's.
 *
 *   POST /edgefront/2026-11-30/distribution/{Id}/tag-invalidation
 *        {"CallerReference": "release-42", "Tags": ["product-42", "home"]}
 *     → 201 {"TagInvalidation": {Id, Status, CreateTime, TagInvalidationBatch: {CallerReference, Tags}}}
 *       Location: …/distribution/{Id}/tag-invalidation/{InvalidationId}
 *   GET  /edgefront/2026-11-30/distribution/{Id}/tag-invalidation/{InvalidationId} → 200, the same
 *
 * A batch purges every object of the distribution whose origin response carried one of the tags
 * in `Cache-Tag`. It is recorded like an invalidation (api/invalidations.ts, `Tags` set, no
 * paths): InProgress, then Completed; in a cluster it rides the same change stream, so every node
 * purges it before it reports the version that holds it, and it reads Completed once every live
 * node serves that version. The same CallerReference with the same tags returns the earlier batch.
 */
import type { Obj } from '../../config/issues.js';
import { ApiError } from '../../errors.js';
import type { ControlPlane } from '../control-plane.js';
import { type ApiRequest, type ApiResponse, EDGEFRONT_API_PREFIX, type Route } from '../router.js';
import type { StoredInvalidation } from '../state.js';
import { findDistribution } from './distributions.js';
import { storeInvalidation } from './invalidations.js';

/** Tags in one batch. */
export const MAX_TAGS_PER_BATCH = 100;
/** Characters in one tag. */
export const MAX_TAG_LENGTH = 1024;
const MAX_CALLER_REFERENCE_LENGTH = 128;

/**
 * What `Cache-Tag` can carry as one tag (src/edge/cache-entry-meta.ts `cacheTags`: the header
 * split at commas, each part trimmed): visible ASCII and inner spaces, no comma.
 */
const TAG = /^[\x21-\x2b\x2d-\x7e](?:[\x20-\x2b\x2d-\x7e]*[\x21-\x2b\x2d-\x7e])?$/;

export function tagInvalidationPath(distributionId: string, id?: string): string {
  const base = `${EDGEFRONT_API_PREFIX}/distribution/${encodeURIComponent(distributionId)}/tag-invalidation`;
  return id === undefined ? base : `${base}/${encodeURIComponent(id)}`;
}

/** Checks one tag; the reason it is refused, or undefined. */
export function tagProblem(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return `a tag must be a string (got ${JSON.stringify(tag)})`;
  if (tag.length === 0) return 'a tag must not be empty';
  if (tag.length > MAX_TAG_LENGTH) return `a tag must be at most ${MAX_TAG_LENGTH} characters`;
  if (!TAG.test(tag))
    return `"${tag}" is not a tag Cache-Tag can carry: visible ASCII characters and inner spaces, no comma, no leading or trailing space`;
  return undefined;
}

function parseTagBatch(body: Buffer): { CallerReference: string; Tags: string[] } {
  if (body.length === 0)
    throw new ApiError('MissingBody', 'The request body is empty; expected {"CallerReference", "Tags"}.');
  let batch: unknown;
  try {
    batch = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('InvalidArgument', 'The request body is not valid JSON.');
  }
  if (typeof batch !== 'object' || batch === null || Array.isArray(batch))
    throw new ApiError(
      'InvalidArgument',
      'The request body must be a JSON object {"CallerReference", "Tags"}.',
    );
  const { CallerReference: ref, Tags: tags, ...rest } = batch as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new ApiError('InvalidArgument', `Unknown field ${unknown[0]}.`);
  if (typeof ref !== 'string' || ref === '' || ref.length > MAX_CALLER_REFERENCE_LENGTH)
    throw new ApiError(
      'InvalidArgument',
      `CallerReference is required: a string of 1 to ${MAX_CALLER_REFERENCE_LENGTH} characters.`,
    );
  if (!Array.isArray(tags) || tags.length === 0)
    throw new ApiError('InvalidArgument', 'Tags must be a list holding at least one tag.');
  if (tags.length > MAX_TAGS_PER_BATCH)
    throw new ApiError(
      'BatchTooLarge',
      `A tag invalidation holds at most ${MAX_TAGS_PER_BATCH} tags (got ${tags.length}).`,
    );
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) throw new ApiError('InvalidArgument', `Tags: ${problem}`);
  }
  return { CallerReference: ref, Tags: tags as string[] };
}

function tagInvalidationBody(cp: ControlPlane, record: StoredInvalidation): Obj {
  return {
    TagInvalidation: {
      Id: record.Id,
      Status: cp.invalidationStatus(record),
      CreateTime: record.CreateTime,
      TagInvalidationBatch: { CallerReference: record.CallerReference, Tags: record.Tags },
    },
  };
}

const json = (status: number, body: Obj, headers?: Record<string, string>): ApiResponse => ({
  status,
  raw: { contentType: 'application/json', data: JSON.stringify(body) },
  headers,
});

async function createTagInvalidation(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [distributionId] = req.params;
  const batch = parseTagBatch(req.body);
  const record = await storeInvalidation(cp, distributionId, { ...batch, Paths: [] }, () => undefined);
  return json(201, tagInvalidationBody(cp, record), {
    Location: `${req.base}${tagInvalidationPath(distributionId, record.Id)}`,
  });
}

function getTagInvalidation(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const [distributionId, id] = req.params;
  findDistribution(cp, distributionId);
  const record = cp.state.invalidations[distributionId]?.find((r) => r.Id === id && r.Tags !== undefined);
  if (!record)
    throw new ApiError('NoSuchInvalidation', `The specified tag invalidation does not exist: ${id}`);
  return json(200, tagInvalidationBody(cp, record));
}

export const tagInvalidationRoutes: Route[] = [
  {
    operation: 'CreateTagInvalidation',
    method: 'POST',
    prefix: EDGEFRONT_API_PREFIX,
    path: /^\/distribution\/([^/]+)\/tag-invalidation$/,
    handle: createTagInvalidation,
  },
  {
    operation: 'GetTagInvalidation',
    method: 'GET',
    prefix: EDGEFRONT_API_PREFIX,
    path: /^\/distribution\/([^/]+)\/tag-invalidation\/([^/]+)$/,
    handle: getTagInvalidation,
  },
];
