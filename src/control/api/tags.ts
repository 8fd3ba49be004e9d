/**
 * Tags (reference/control-api.md §2 "Tags", §2.1): TagResource, UntagResource and
 * ListTagsForResource on `?Resource=<ARN>`. CloudFront tags the resources that have an ARN here:
 * distributions (config-file ones too), functions and key value stores; cache policies, OACs,
 * key groups and the like have none. Tags live in the state by ARN and never change the model,
 * so their changes persist without a rebuild. CreateDistributionWithTags (distributions.ts) writes
 * the same map.
 */
import type { Obj } from '../../config/issues.js';
import { ApiError } from '../../errors.js';
import type { ControlPlane } from '../control-plane.js';
import type { ApiRequest, ApiResponse, Route } from '../router.js';
import { parseXmlBody } from '../xml/codec.js';

/** CloudFront's limits (control-api.md §2.1, §6; the developer guide's "Tag restrictions"). */
const MAX_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const ARN = /^arn:aws(-cn)?:cloudfront::(\d+):(.+)$/;

function badTag(message: string): never {
  throw new ApiError('InvalidTagging', message);
}

/** The resource the ARN names, or NoSuchResource: it must exist on this edge now. */
function requireResource(cp: ControlPlane, req: ApiRequest): string {
  const arn = req.query.get('Resource');
  if (!arn) throw new ApiError('InvalidArgument', 'The Resource query parameter (an ARN) is required');
  const m = ARN.exec(arn);
  if (!m)
    throw new ApiError(
      'InvalidArgument',
      `${arn} is not a CloudFront ARN (arn:aws:cloudfront::<account>:<resource>)`,
    );
  const model = cp.host.model();
  const exists =
    m[2] === cp.accountId &&
    (model.distributions.some((d) => d.ARN === arn) ||
      model.functions.has(arn) ||
      model.keyValueStores.has(arn));
  if (!exists)
    throw new ApiError('NoSuchResource', `The specified resource does not exist or cannot be tagged: ${arn}`);
  return arn;
}

/** Lengths count Unicode characters (code points), as CloudFront's limits do. */
const lengthOf = (text: string) => [...text].length;

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || lengthOf(key) < 1 || lengthOf(key) > MAX_KEY_LENGTH)
    badTag(`A tag key is 1 to ${MAX_KEY_LENGTH} characters (got ${JSON.stringify(key ?? null)})`);
  if (!TAG_TEXT.test(key)) badTag(`The tag key "${key}" holds a character tags cannot`);
  if (key.toLowerCase().startsWith('aws:')) badTag(`The tag key prefix aws: is reserved (got "${key}")`);
  return key;
}

function checkValue(key: string, value: unknown): string {
  const text = value ?? '';
  if (typeof text !== 'string' || lengthOf(text) > MAX_VALUE_LENGTH)
    badTag(`The value of tag "${key}" is longer than ${MAX_VALUE_LENGTH} characters`);
  if (!TAG_TEXT.test(text)) badTag(`The value of tag "${key}" holds a character tags cannot`);
  return text;
}

/** `{ Items }` (no Quantity) as parsed from `<Tags>` or `<TagKeys>`: the items. */
function itemsOf(list: unknown, root: string): unknown[] {
  const items = (list as Obj | undefined)?.Items;
  if (items === undefined || items === '') return [];
  if (!Array.isArray(items)) badTag(`<${root}><Items> must list the items`);
  return items;
}

/**
 * An SDK-shaped `Tags` (`{ Items: [{ Key, Value }] }`) checked as CloudFront checks tags, as a
 * map; InvalidTagging otherwise. For the Create…WithTags calls too (distributions, functions,
 * key value stores).
 */
export function checkedTags(tags: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null); // `__proto__` is a valid tag key
  for (const tag of itemsOf(tags, 'Tags')) {
    const key = checkKey((tag as Obj | undefined)?.Key);
    if (Object.hasOwn(out, key)) badTag(`The tag key "${key}" is given twice`);
    out[key] = checkValue(key, (tag as Obj).Value);
  }
  if (Object.keys(out).length > MAX_TAGS) badTag(`A resource holds at most ${MAX_TAGS} tags`);
  return out;
}

async function tagResource(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  requireResource(cp, req);
  const tags = checkedTags(parseXmlBody(req.body, 'Tags'));
  await cp.change(
    (draft) => {
      const arn = requireResource(cp, req);
      const merged = { ...draft.tags[arn], ...tags };
      if (Object.keys(merged).length > MAX_TAGS)
        badTag(`A resource holds at most ${MAX_TAGS} tags (this would make ${Object.keys(merged).length})`);
      draft.tags[arn] = merged;
    },
    { rebuild: false },
  );
  return { status: 204 };
}

async function untagResource(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  requireResource(cp, req);
  const keys = itemsOf(parseXmlBody(req.body, 'TagKeys'), 'TagKeys').map(checkKey);
  await cp.change(
    (draft) => {
      const arn = requireResource(cp, req);
      const left = { ...draft.tags[arn] };
      for (const key of keys) delete left[key];
      if (Object.keys(left).length) draft.tags[arn] = left;
      else delete draft.tags[arn];
    },
    { rebuild: false },
  );
  return { status: 204 };
}

function listTags(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const tags = cp.state.tags[requireResource(cp, req)] ?? {};
  return {
    status: 200,
    root: 'Tags',
    body: { Items: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
  };
}

export const tagRoutes: Route[] = [
  {
    operation: 'TagResource',
    method: 'POST',
    path: /^\/tagging$/,
    flag: 'Operation=Tag',
    handle: tagResource,
  },
  {
    operation: 'UntagResource',
    method: 'POST',
    path: /^\/tagging$/,
    flag: 'Operation=Untag',
    handle: untagResource,
  },
  { operation: 'ListTagsForResource', method: 'GET', path: /^\/tagging$/, handle: listTags },
];
