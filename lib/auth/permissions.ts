// The role → permission table lives with the members' rules (lib/domain/members/policy.ts), where
// the mutation layer and the REST API, which run outside Next.js, read it too. Re-exported here
// for the dashboard: actions and pages ask `can(role, permission)`, never compare roles.
export { can, holdersOf, ORG_ROLES, PERMISSIONS, rolesWith, type OrgRole, type Permission } from "../domain/members/policy";
