/**
 * CloudFront's managed response headers policies (reference/distribution.md §8, control-api.md
 * §5.3), in the CloudFormation shape custom policies use, so the response-headers feature applies
 * both the same way. Their CORS headers go only to CORS requests (ones with `Origin`), with the
 * origin's CORS headers winning (OriginOverride false): SimpleCORS adds
 * `Access-Control-Allow-Origin: *`; CORS-With-Preflight adds Allow-Methods and Expose-Headers
 * too, and no Allow-Headers (the three headers its documentation lists for preflights).
 */
import type { ResponseHeadersPolicyConfig } from '../model/cloudfront.js';

const SIMPLE_CORS = {
  CorsConfig: {
    AccessControlAllowCredentials: false,
    AccessControlAllowHeaders: { Items: [] },
    AccessControlAllowMethods: { Items: [] },
    AccessControlAllowOrigins: { Items: ['*'] },
    OriginOverride: false,
  },
};
const CORS_WITH_PREFLIGHT = {
  CorsConfig: {
    AccessControlAllowCredentials: false,
    AccessControlAllowHeaders: { Items: [] },
    AccessControlAllowMethods: { Items: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] },
    AccessControlAllowOrigins: { Items: ['*'] },
    AccessControlExposeHeaders: { Items: ['*'] },
    OriginOverride: false,
  },
};
const SECURITY_HEADERS = {
  SecurityHeadersConfig: {
    ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: false },
    StrictTransportSecurity: {
      AccessControlMaxAgeSec: 31536000,
      IncludeSubdomains: false,
      Preload: false,
      Override: false,
    },
    ContentTypeOptions: { Override: true },
    FrameOptions: { FrameOption: 'SAMEORIGIN', Override: false },
    XSSProtection: { Protection: true, ModeBlock: true, Override: false },
  },
};

export const MANAGED_RESPONSE_HEADERS_POLICIES: Record<string, ResponseHeadersPolicyConfig> = {
  '60669652-455b-4ae9-85a4-c4c02393f86c': { Name: 'SimpleCORS', ...SIMPLE_CORS },
  '5cc3b908-e619-4b99-88e5-2cf7f45965bd': { Name: 'CORS-With-Preflight', ...CORS_WITH_PREFLIGHT },
  '67f7725c-6f97-4210-82d7-5512b31e9d03': { Name: 'SecurityHeadersPolicy', ...SECURITY_HEADERS },
  'e61eb60c-9c35-4d20-a928-2b84e02af89c': {
    Name: 'CORS-and-SecurityHeadersPolicy',
    ...SIMPLE_CORS,
    ...SECURITY_HEADERS,
  },
  'eaab4381-ed33-4a86-88ca-d9558dc6cd63': {
    Name: 'CORS-with-preflight-and-SecurityHeadersPolicy',
    ...CORS_WITH_PREFLIGHT,
    ...SECURITY_HEADERS,
  },
};
