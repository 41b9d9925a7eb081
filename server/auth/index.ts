// What other areas may use from auth (eslint.config.js enforces it): who is acting, whether they
// may, who is accountable, the user and token look-ups, invitations, and the re-authentication hint.
// Everything else in server/auth/ (routes, throttling, passwords, TOTP enrolment) is private.
export { type Principal, userPrincipal, tokenPrincipal } from './principal';
export { authorize, permissionName } from './authorize';
export { accountableFor, samePerson } from './accountable';
export {
  userByEmail,
  userById,
  listUsers,
  listTokens,
  tokensOf,
  displayNamesOf,
  tokenNamesOf,
  usersMatching,
  tokensNamed,
  activeUsers,
  activeUsersAmong,
  type UserRow,
  type TokenRow,
} from './queries';
export {
  createInvitations,
  inviteSchema,
  pendingInvitations,
  pendingRoleChanges,
  type Invitations,
} from './invitations';
export { totpNow } from './totp';
export { reauthHint, reauthHintFor } from './reauth';
