/**
 * The edgefront tag-invalidation API (src/control/api/tag-invalidations.ts) as a test talks to
 * it: signed with the test keys, JSON bodies; and an origin handler whose answers carry
 * `Cache-Tag`, so objects can be purged by tag.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tagInvalidationPath } from '../../src/control/api/tag-invalidations.js';
import { type ApiAnswer, signedApiCall } from './signed-api.js';

export interface TagInvalidation {
  Id: string;
  Status: string;
  CreateTime: string;
  TagInvalidationBatch: { CallerReference: string; Tags: string[] };
}

/** POST …/tag-invalidation with `body` as JSON (a string is sent as is). */
export function postTagInvalidation(admin: URL, distributionId: string, body: unknown): Promise<ApiAnswer> {
  return signedApiCall(admin, {
    method: 'POST',
    path: tagInvalidationPath(distributionId),
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function getTagInvalidationAnswer(admin: URL, distributionId: string, id: string): Promise<ApiAnswer> {
  return signedApiCall(admin, { method: 'GET', path: tagInvalidationPath(distributionId, id) });
}

function parsed(answer: ApiAnswer, status: number): TagInvalidation {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.body}`);
  return (JSON.parse(answer.body) as { TagInvalidation: TagInvalidation }).TagInvalidation;
}

/** Creates a tag invalidation; fails unless it answers 201. */
export async function createTagInvalidation(
  admin: URL,
  distributionId: string,
  tags: string[],
  callerReference: string,
): Promise<TagInvalidation> {
  return parsed(
    await postTagInvalidation(admin, distributionId, { CallerReference: callerReference, Tags: tags }),
    201,
  );
}

export async function getTagInvalidation(
  admin: URL,
  distributionId: string,
  id: string,
): Promise<TagInvalidation> {
  return parsed(await getTagInvalidationAnswer(admin, distributionId, id), 200);
}

/**
 * `Cache-Tag: TAG, tagged` (two tags, as origins send them) for `…/tagged/TAG/…` (after any
 * OriginPath); else nothing.
 */
export function cacheTagHeader(url: string | undefined): { 'cache-tag'?: string } {
  const tag = /\/tagged\/([^/]+)\//.exec(url ?? '')?.[1];
  return tag ? { 'cache-tag': `${tag}, tagged` } : {};
}

/** Cacheable answers (max-age=3600), tagged as `cacheTagHeader` says. */
export function taggingOrigin(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/plain',
    'cache-control': 'max-age=3600',
    ...cacheTagHeader(req.url),
  });
  res.end(`body of ${req.url}`);
}
