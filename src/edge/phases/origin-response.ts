/**
 * After origin-fetch. Classifies the origin's answer (4xx/5xx ⇒ `Error from cloudfront`) and
 * applies the distribution's CustomErrorResponses (reference/caching.md §7): the page at
 * ResponsePagePath is fetched through the behavior matching that path and returned with
 * ResponseCode. → 'cache-store'.
 */
import { Readable } from 'node:stream';
import type { Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';
import { compressResponse } from './compress-response.js';
import { customErrorPage } from './error-response.js';

export async function originResponse(ex: Exchange): Promise<Next> {
  const response = ex.response!;
  if (response.status >= 400) {
    ex.result = 'Error';
    const page = await customErrorPage(ex, response.status);
    if (page) {
      destroyBody(response.body);
      ex.response = page;
    }
  }
  compressResponse(ex);
  return 'origin-response-function';
}

/**
 * Discards a body nobody will read. A destroyed origin stream may still emit 'error'
 * (undici's RequestAbortedError): swallow it here, or it would take the process down.
 */
export function destroyBody(body: unknown): void {
  if (body instanceof Readable && !body.destroyed) {
    body.on('error', ignore);
    body.destroy();
  }
}

function ignore(): void {}
