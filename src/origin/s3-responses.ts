/**
 * What S3 puts around an object or an error: request ids, `Server: AmazonS3`, XML errors for
 * REST endpoints and HTML errors for website endpoints (origins.md §2), and the Content-Type a
 * local file is served with.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { OriginResponse } from './types.js';

export type S3Mode = 'rest' | 'website';

/** S3's own ids: x-amz-request-id is 16 uppercase hex characters, x-amz-id-2 opaque base64. */
export function s3Headers(): Record<string, string | string[]> {
  return {
    'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
    'x-amz-id-2': randomBytes(24).toString('base64'),
    date: new Date().toUTCString(),
    server: 'AmazonS3',
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  416: 'Requested Range Not Satisfiable',
};

function escapeMarkup(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An S3 error: `<Error><Code>…</Code><Message>…</Message>…</Error>` (application/xml) from the
 * REST endpoint, the `<h1>404 Not Found</h1><ul><li>Code: NoSuchKey</li>…` page (text/html)
 * from the website endpoint. `fields` are the extra elements S3 adds (Key, Condition, …).
 * HEAD answers carry no body, as S3's do.
 */
export function s3Error(
  mode: S3Mode,
  method: string,
  status: number,
  code: string,
  message: string,
  fields: Record<string, string> = {},
  headers: Record<string, string | string[]> = {},
): OriginResponse {
  const base = s3Headers();
  const requestId = base['x-amz-request-id'] as string;
  const hostId = base['x-amz-id-2'] as string;
  const all = { ...fields, RequestId: requestId, HostId: hostId };
  let text: string;
  if (mode === 'rest') {
    const extra = Object.entries(all)
      .map(([k, v]) => `<${k}>${escapeMarkup(v)}</${k}>`)
      .join('');
    text = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeMarkup(message)}</Message>${extra}</Error>`;
  } else {
    const title = `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
    const items = Object.entries({ Code: code, Message: message, ...all })
      .map(([k, v]) => `<li>${k}: ${escapeMarkup(v)}</li>\n`)
      .join('');
    text = `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n${items}</ul>\n<hr/>\n</body>\n</html>\n`;
  }
  const body = Buffer.from(text);
  return {
    status,
    headers: {
      ...base,
      ...headers,
      'content-type': mode === 'rest' ? 'application/xml' : 'text/html; charset=utf-8',
      'content-length': String(body.length),
    },
    body: Readable.from(method === 'HEAD' ? [] : [body]),
  };
}

/** Missing key, directory or traversal: S3 behind OAC without s3:ListBucket answers this (origins.md §2). */
export function accessDenied(mode: S3Mode, method: string): OriginResponse {
  return s3Error(mode, method, 403, 'AccessDenied', 'Access Denied');
}

/**
 * Extension → Content-Type, as `aws s3 cp`/`sync` would have set it at upload. S3 itself
 * serves `binary/octet-stream` for objects stored without one.
 */
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  json: 'application/json',
  map: 'application/json',
  webmanifest: 'application/manifest+json',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  svg: 'image/svg+xml',
  png: 'image/png',
  apng: 'image/apng',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/vnd.microsoft.icon',
  bmp: 'image/bmp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  mp4: 'video/mp4',
  webm: 'video/webm',
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  ts: 'video/mp2t',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
};

export function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  if (dot === -1 || dot < key.lastIndexOf('/')) return 'binary/octet-stream';
  return CONTENT_TYPES[key.slice(dot + 1).toLowerCase()] ?? 'binary/octet-stream';
}
