// The token rules, in one place to look. Each rule is written once in the file beside it and
// named here; callers may import from this index or from the rule's own file.
//   who sees a token ............ visibility.ts  visibleTo / visibleTokensWhere / visibleTokensSql
//   quota at a moment ........... quota.ts       quotaAt (windows: nextQuotaReset)
//   what a token may do to tokens authority.ts   refusalOf, managementRefusal, seesAs
//   where a token may be used ... networks.ts    NetworkList, networksWithin
export { visibleTo, visibleTokensSql, visibleTokensWhere, type ViewerRole } from "./visibility";
export { nextQuotaReset, quotaAt, QUOTA_WINDOWS, secondsUntil, type QuotaNow, type QuotaWindow, type StoredQuota } from "./quota";
export {
  actsForAnAdmin,
  holdsTokenManagementScope,
  managementRefusal,
  refusalOf,
  seesAs,
  TokenAuthorityError,
  visibilityWithin,
  type ActingToken,
  type TokenChange,
  type TokenGrant,
  type Visibility,
} from "./authority";
export { MAX_ALLOWED_NETWORKS, NetworkList, networksWithin, parseNetworkList } from "./networks";
