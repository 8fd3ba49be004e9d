/** The KeyValueStore data-plane API (`/key-value-stores/…`, JSON): not built yet. */
import { KvsApiError } from '../errors.js';
import type { KvsResponse, RawApiRequest } from './api-server.js';
import type { ControlPlane } from './control-plane.js';

export async function handleKvsRequest(_cp: ControlPlane, request: RawApiRequest): Promise<KvsResponse> {
  throw new KvsApiError(
    'ValidationException',
    `${request.method} ${request.path}: the KeyValueStore data-plane API is not built yet`,
  );
}
