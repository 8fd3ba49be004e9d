/**
 * After origin-fetch. Classifies the origin's answer (4xx/5xx ⇒ `Error from cloudfront`) and
 * applies the distribution's CustomErrorResponses (reference/caching.md §7): the page at
 * ResponsePagePath is fetched through the behavior matching that path and returned with
 * ResponseCode. → 'viewer-response'.
 */
import type { Exchange } from '../exchange.js';
import type { Next } from '../lifecycle.js';
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
  return 'viewer-response';
}

export function destroyBody(body: unknown): void {
  if (body && typeof (body as { destroy?: unknown }).destroy === 'function') {
    (body as { destroy(): void }).destroy();
  }
}
