// Navigation entries, contributed by each area's descriptor (`nav`) in the order of
// server/areas.ts; each shows only to principals the access policy allows.
export interface NavItem {
  href: string;
  label: string;
  action: string;
  resource: string;
}
