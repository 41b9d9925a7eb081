// The policy bundle: its pages, `lethe policy check|test|explain` and `lethe policy reload`
// (registered after `policy`, which it extends).
import type { Area } from '../area-descriptor';
import { policiesRoutes } from './routes';

export const policiesArea: Area = {
  name: 'policies',
  web: [policiesRoutes],
  nav: [{ href: '/policies', label: 'Policies', action: 'read', resource: 'policy' }],
  cli: {
    commands: { policy: 'check, test and explain the policy bundle' },
    load: async () => {
      const [{ registerPolicyCommands }, { registerPolicyRuntimeCommands }] = await Promise.all([
        import('../policies/cli'),
        import('../policy-runtime'),
      ]);
      return (program, ctx) => {
        registerPolicyCommands(program, ctx);
        registerPolicyRuntimeCommands(program, ctx);
      };
    },
  },
};
