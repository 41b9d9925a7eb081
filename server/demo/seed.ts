// Demo data for the fictional SaaS "Northwind Cloud", seeded on the first start only.
import type { Deps } from '../deps';
import { seedDemoUsers, type DemoLogin } from './users';
import { seedDemoRequests, seedDemoSystems } from './data';
import { seedDemoUseCases } from '../use-cases';

export type SeedStep = (deps: Deps) => Promise<void>;

// Each area's demo data after the users and the data systems, in order.
export const demoSeedSteps: SeedStep[] = [seedDemoRequests, seedDemoUseCases];

export async function isSeeded(deps: Deps): Promise<boolean> {
  const row = await deps.db('audit_log').where({ action: 'demo.seeded' }).first('seq');
  return Boolean(row);
}

export async function seedDemo(deps: Deps): Promise<DemoLogin[]> {
  // The data systems need no users, and the users' argon2 hashing (most of a first start's CPU)
  // leaves the databases and the disk idle: the two run side by side. The steps after need both.
  const [logins] = await Promise.all([seedDemoUsers(deps), seedDemoSystems(deps)]);
  for (const step of demoSeedSteps) await step(deps);
  await deps.audit.append({ actor: 'system:seed', action: 'demo.seeded', details: { users: logins.length } });
  return logins;
}
