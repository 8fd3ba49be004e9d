/**
 * The element name of each list item in CloudFront's XML (reference/control-api.md §1 "Lists").
 * Taken from the SDK's model (`@aws-sdk/client-cloudfront` schemas: the `xmlName` of each
 * list member); test/unit/control/xml-codec.test.ts walks that model and checks both tables.
 *
 * Reading never needs these names: every child of `<Items>` is an item whatever it is called.
 * Writing does, and the name depends on the wrapper, not on the item's shape (`<Origin>` is an
 * origin object under `<Origins>` but a string under `<AccessControlAllowOrigins>`).
 */

/** `<Wrapper><Quantity/><Items><Item/>…</Items></Wrapper>`: item element name by wrapper. */
export const ITEMS_ELEMENT = {
  AccessControlAllowHeaders: 'Header',
  AccessControlAllowMethods: 'Method',
  AccessControlAllowOrigins: 'Origin',
  AccessControlExposeHeaders: 'Header',
  // The SDK's shape is `KGKeyPairIds`; the element is `<KeyGroup>`.
  ActiveTrustedKeyGroups: 'KeyGroup',
  ActiveTrustedSigners: 'Signer',
  Aliases: 'CNAME',
  AllowedMethods: 'Method',
  AnycastIpListCollection: 'AnycastIpListSummary',
  CacheBehaviors: 'CacheBehavior',
  CachePolicyList: 'CachePolicySummary',
  CachedMethods: 'Method',
  CloudFrontOriginAccessIdentityList: 'CloudFrontOriginAccessIdentitySummary',
  ConflictingAliasesList: 'ConflictingAlias',
  ContentTypeProfiles: 'ContentTypeProfile',
  ContinuousDeploymentPolicyList: 'ContinuousDeploymentPolicySummary',
  // CachePolicyCookiesConfig / OriginRequestPolicyCookiesConfig; ForwardedValues' `Cookies`
  // is a CookiePreference (no Items), whose list is `WhitelistedNames`.
  Cookies: 'Name',
  CustomErrorResponses: 'CustomErrorResponse',
  CustomHeaders: 'OriginCustomHeader',
  CustomHeadersConfig: 'ResponseHeadersPolicyCustomHeader',
  DistributionIdList: 'DistributionId',
  DistributionIdOwnerList: 'DistributionIdOwner',
  DistributionList: 'DistributionSummary',
  EncryptionEntities: 'EncryptionEntity',
  FieldLevelEncryptionList: 'FieldLevelEncryptionSummary',
  FieldLevelEncryptionProfileList: 'FieldLevelEncryptionProfileSummary',
  FieldPatterns: 'FieldPattern',
  FunctionAssociations: 'FunctionAssociation',
  FunctionList: 'FunctionSummary',
  GeoRestriction: 'Location',
  Headers: 'Name',
  InvalidationList: 'InvalidationSummary',
  // KeyGroupConfig has Items (public key ids) but no Quantity.
  KeyGroupConfig: 'PublicKey',
  KeyGroupList: 'KeyGroupSummary',
  KeyPairIds: 'KeyPairId',
  KeyValueStoreAssociations: 'KeyValueStoreAssociation',
  KeyValueStoreList: 'KeyValueStore',
  LambdaFunctionAssociations: 'LambdaFunctionAssociation',
  Members: 'OriginGroupMember',
  OriginAccessControlList: 'OriginAccessControlSummary',
  OriginGroups: 'OriginGroup',
  OriginRequestPolicyList: 'OriginRequestPolicySummary',
  OriginSslProtocols: 'SslProtocol',
  Origins: 'Origin',
  Paths: 'Path',
  PublicKeyList: 'PublicKeySummary',
  QueryArgProfiles: 'QueryArgProfile',
  QueryStringCacheKeys: 'Name',
  QueryStrings: 'Name',
  RealtimeLogConfigs: 'member',
  RemoveHeadersConfig: 'ResponseHeadersPolicyRemoveHeader',
  ResponseHeadersPolicyList: 'ResponseHeadersPolicySummary',
  StagingDistributionDnsNames: 'DnsName',
  StatusCodes: 'StatusCode',
  StreamingDistributionList: 'StreamingDistributionSummary',
  // Tags and TagKeys have Items but no Quantity.
  TagKeys: 'Key',
  Tags: 'Tag',
  TrustedKeyGroups: 'KeyGroup',
  TrustedSigners: 'AwsAccountNumber',
  VpcOriginList: 'VpcOriginSummary',
  WhitelistedNames: 'Name',
} as const satisfies Record<string, string>;

/** Lists the model keeps without a Quantity/Items wrapper: `<List><Item/>…</List>`. */
export const BARE_LIST_ELEMENT = {
  AliasICPRecordals: 'AliasICPRecordal',
  AnycastIps: 'AnycastIp',
  ConnectionFunctionExecutionLogs: 'member',
  ConnectionFunctions: 'ConnectionFunctionSummary',
  ConnectionGroups: 'ConnectionGroupSummary',
  DistributionTenantList: 'DistributionTenantSummary',
  DnsConfigurationList: 'DnsConfiguration',
  DomainConflicts: 'DomainConflicts',
  Domains: 'member',
  EndPoints: 'member',
  Fields: 'Field',
  FunctionExecutionLogs: 'member',
  IpamCidrConfigs: 'IpamCidrConfig',
  Locations: 'Location',
  ParameterDefinitions: 'member',
  Parameters: 'member',
  TrustStoreList: 'TrustStoreSummary',
  ValidationTokenDetails: 'member',
} as const satisfies Record<string, string>;

const has = (table: object, key: string): boolean => Object.hasOwn(table, key);

/** Whether `<name>` holds a list, so that reading gives an array even for one child. */
export function isListElement(name: string): boolean {
  return name === 'Items' || has(BARE_LIST_ELEMENT, name);
}

/** The element name for the items of the list `name` written inside `<parent>`. */
export function itemElementOf(name: string, parent: string): string | undefined {
  if (name === 'Items')
    return has(ITEMS_ELEMENT, parent) ? ITEMS_ELEMENT[parent as keyof typeof ITEMS_ELEMENT] : undefined;
  return has(BARE_LIST_ELEMENT, name) ? BARE_LIST_ELEMENT[name as keyof typeof BARE_LIST_ELEMENT] : undefined;
}
