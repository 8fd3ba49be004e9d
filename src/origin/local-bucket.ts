/**
 * `--bucket NAME=DIR` / `Buckets:`: an S3 origin served from a local directory, with the S3
 * REST endpoint's semantics for `s3` origins and the website endpoint's for `s3-website`
 * origins (origins.md §2). Key = the percent-decoded path without its leading `/` (OriginPath
 * is already part of the path); the query string is not part of the key.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { EtagCache, serveObject } from './local-object.js';
import { accessDenied, type S3Mode, s3Error, s3Headers } from './s3-responses.js';
import type { OriginRequest, OriginResponse } from './types.js';

/** undefined: not a valid percent-encoding (S3: 400 InvalidURI). */
function decodeKey(path: string): { raw: string; key: string } | undefined {
  const q = path.indexOf('?');
  const raw = q === -1 ? path : path.slice(0, q);
  try {
    return { raw, key: decodeURIComponent(raw.startsWith('/') ? raw.slice(1) : raw) };
  } catch {
    return undefined;
  }
}

/**
 * The file that holds `key`, or undefined when no file can: S3 keys are opaque strings that
 * CloudFront sends as the raw path (it normalises only to choose a behavior), so S3 looks up
 * `a/../b`, `a/./b` and `a//b` literally, and here they would name another file (`b`, `a/b`) or
 * one outside the bucket directory. A `..` segment (with `/` or, as Windows reads it, `\`), a
 * `.` or empty segment (but a trailing `/`: a "folder" key) or a NUL is a key no file holds.
 */
function fileOf(dir: string, key: string): string | undefined {
  if (key.includes('\0') || key.split(/[\\/]/).includes('..')) return undefined;
  const segments = key.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '.' || (segment === '' && i < segments.length - 1)) return undefined;
  }
  const file = join(dir, key);
  return file === dir || file.startsWith(dir + sep) ? file : undefined;
}

/** Non-blocking, so that opening a FIFO or a device never holds a thread; fstat then refuses it. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * `file`'s real path when it stays inside the bucket directory `root` (itself a real path):
 * a symlink may point anywhere in the bucket, never out of it (a link to /etc/passwd reads as a
 * missing key). Deviation from CloudFront: S3 has no links; following those inside the
 * directory keeps a built site's links working.
 */
async function realFileInside(root: string, file: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return undefined; // ENOENT, ENOTDIR, ELOOP, EACCES: S3 would not have the key either
  }
  return real === root || real.startsWith(root + sep) ? real : undefined;
}

/** An open regular file inside `root`, or undefined when it is missing, outside or not a file (a "directory" key). */
async function openFile(
  root: string,
  file: string,
): Promise<{ handle: FileHandle; stat: Stats } | undefined> {
  const real = await realFileInside(root, file);
  if (real === undefined) return undefined;
  let handle: FileHandle;
  try {
    handle = await open(real, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (info.isFile()) return { handle, stat: info };
  } catch {
    // fall through: treated as missing
  }
  await handle.close();
  return undefined;
}

async function isFile(root: string, file: string): Promise<boolean> {
  const found = await openFile(root, file);
  await found?.handle.close();
  return found !== undefined;
}

export class LocalBucketOrigin {
  readonly #buckets: ReadonlyMap<string, string>;
  /** Each bucket directory's real path, once it exists: symlinks are only followed inside it. */
  readonly #roots = new Map<string, string>();
  readonly #etags = new EtagCache();

  constructor(buckets: ReadonlyMap<string, string>) {
    this.#buckets = new Map([...buckets].map(([name, dir]) => [name, resolve(dir)]));
  }

  async #rootOf(dir: string): Promise<string | undefined> {
    let root = this.#roots.get(dir);
    if (root === undefined) {
      try {
        root = await realpath(dir);
      } catch {
        return undefined;
      }
      this.#roots.set(dir, root);
    }
    return root;
  }

  async fetch(request: OriginRequest): Promise<OriginResponse> {
    const mode: S3Mode = request.origin.kind === 's3-website' ? 'website' : 'rest';
    const method = request.method;
    const dir = this.#buckets.get(request.origin.bucket ?? '');
    if (dir === undefined)
      return s3Error(mode, method, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (method !== 'GET' && method !== 'HEAD') {
      // Website endpoints only serve GET/HEAD. Writes to the REST endpoint (PUT/POST/DELETE,
      // which CloudFront forwards with OAC) come with OAC signing in a later issue: 405 for now.
      return s3Error(
        mode,
        method,
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        {
          Method: method,
          ResourceType: 'OBJECT',
        },
      );
    }
    const decoded = decodeKey(request.path);
    if (!decoded) return s3Error(mode, method, 400, 'InvalidURI', "Couldn't parse the specified URI.");
    const { raw, key } = decoded;
    const file = fileOf(dir, key);
    if (file === undefined) return mode === 'rest' ? accessDenied(mode, method) : noSuchKey(method, key);
    // A directory that does not exist (yet) has no real path: every key in it is missing.
    const root = (await this.#rootOf(dir)) ?? dir;
    if (mode === 'rest') {
      // No index documents on the REST endpoint; a missing key or a "directory" is 403
      // AccessDenied, as S3 answers behind OAC without s3:ListBucket (origins.md §2).
      const found = await openFile(root, file);
      if (!found) return accessDenied(mode, method);
      return serveObject(request, mode, key, file, found.handle, found.stat, this.#etags);
    }
    return this.#website(request, root, raw, key, file);
  }

  /** S3 website endpoint: index document per "folder", redirect to the folder, HTML 404 (§2). */
  async #website(
    request: OriginRequest,
    root: string,
    raw: string,
    key: string,
    file: string,
  ): Promise<OriginResponse> {
    const method = request.method;
    const isFolder = key === '' || key.endsWith('/');
    const objectKey = isFolder ? `${key}index.html` : key;
    const objectFile = isFolder ? join(file, 'index.html') : file;
    const found = await openFile(root, objectFile);
    if (found)
      return serveObject(request, 'website', objectKey, objectFile, found.handle, found.stat, this.#etags);
    if (!isFolder && (await isFile(root, join(file, 'index.html')))) {
      // `/docs` where `docs/index.html` exists: S3 redirects to the folder (302, empty body).
      const headers = s3Headers();
      headers.location = `${raw.startsWith('/') ? raw : `/${raw}`}/`;
      headers['content-length'] = '0';
      return { status: 302, headers, body: Readable.from([]) };
    }
    return noSuchKey(method, objectKey);
  }
}

/** The website endpoint's HTML 404 for a key it does not have. */
function noSuchKey(method: string, key: string): OriginResponse {
  return s3Error('website', method, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
}
