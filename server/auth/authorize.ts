// The access check services call with a resource instance (four-eyes needs its submitter).
// Throws ForbiddenError and audits the denial; routes use the same check via http/guard.ts.
import { decideAccess } from '../policies/access';
import type { Deps } from '../deps';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import type { Principal } from './principal';

export const permissionName = (p: { action: string; resource: string }) => `${p.resource}:${p.action}`;

export async function authorize(
  deps: Pick<Deps, 'policies' | 'audit'>,
  principal: Principal | undefined,
  permission: { action: string; resource: string },
  opts: { context?: { submittedBy?: string }; target: string },
): Promise<void> {
  if (!principal) throw new UnauthenticatedError('Sign in to continue.');
  const decision = decideAccess(deps.policies.current().access, {
    principal: { id: principal.id, role: principal.role },
    action: permission.action,
    resource: permission.resource,
    context: opts.context,
  });
  // A token limited to fewer permissions than its owner's role: the rest is denied.
  const notCarried = principal.permissions != null && !principal.permissions.includes(permissionName(permission));
  const reason = notCarried
    ? `the API token does not carry the permission ${permissionName(permission)}`
    : decision.allowed
      ? ''
      : decision.reason;
  // Without an instance, a rule denied only by its condition still admits the route: the
  // condition is checked again by the service once it has loaded the resource.
  if (!notCarried && (decision.allowed || (opts.context === undefined && decision.rule))) return;
  await deps.audit.append({
    actor: principal.id,
    action: 'access.denied',
    target: opts.target,
    details: { permission: permissionName(permission), role: principal.role, reason },
  });
  const message = notCarried
    ? `This API token does not carry the permission ${permissionName(permission)}.`
    : opts.context && decision.rule
      ? `You need the permission ${permissionName(permission)}, and ${reason}.`
      : undefined;
  throw new ForbiddenError(permissionName(permission), message);
}
