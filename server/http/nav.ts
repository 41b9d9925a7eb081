// Navigation entries; each shows only to principals the access policy allows.
export interface NavItem {
  href: string;
  label: string;
  action: string;
  resource: string;
}

export const NAV: NavItem[] = [
  { href: '/', label: 'Dashboard', action: 'read', resource: 'dashboard' },
  { href: '/requests', label: 'Requests', action: 'read', resource: 'request' },
  { href: '/datasets', label: 'Datasets', action: 'read', resource: 'dataset' },
  { href: '/audit-log', label: 'Audit log', action: 'read', resource: 'audit_log' },
  { href: '/policies', label: 'Policies', action: 'read', resource: 'policy' },
  { href: '/systems', label: 'Systems', action: 'read', resource: 'system' },
  { href: '/admin/users', label: 'Users', action: 'read', resource: 'user' },
  { href: '/admin/tokens', label: 'API tokens', action: 'read', resource: 'token' },
];
