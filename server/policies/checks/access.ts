import { checkUnique, didYouMean, type CheckContext } from './context';

export function checkAccess(ctx: CheckContext): void {
  const part = ctx.parts.access;
  if (!part) return;
  const { file, data } = part;
  checkUnique(ctx, file, data.roles, (r) => r.name, (i) => ['roles', i, 'name'], 'role');
  const roles = new Set(data.roles.map((r) => r.name));
  const allActions = new Set(Object.values(data.resources).flat());
  for (const [resource, actions] of Object.entries(data.resources)) {
    checkUnique(ctx, file, actions, (a) => a, (i) => ['resources', resource, i], `action of ${resource}`);
  }
  data.rules.forEach((rule, i) => {
    if (!roles.has(rule.role)) {
      ctx.report(file, ['rules', i, 'role'], `unknown role "${rule.role}": not defined under roles${didYouMean(rule.role, roles)}`);
    }
    const defined = rule.resource === '*' ? allActions : new Set(data.resources[rule.resource] ?? []);
    if (rule.resource !== '*' && !data.resources[rule.resource]) {
      const names = Object.keys(data.resources);
      ctx.report(file, ['rules', i, 'resource'], `unknown resource "${rule.resource}": not defined under resources${didYouMean(rule.resource, names)}`);
      return;
    }
    rule.actions.forEach((action, j) => {
      if (action !== '*' && !defined.has(action)) {
        const where = rule.resource === '*' ? 'any resource' : `resource "${rule.resource}"`;
        ctx.report(file, ['rules', i, 'actions', j], `unknown action "${action}" for ${where}${didYouMean(action, defined)}`);
      }
    });
  });
}
