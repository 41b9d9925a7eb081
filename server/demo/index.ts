// What other areas may use from the demo: its e-mail domain (demo data is made under it).
export { DEMO_DOMAIN } from './users';
