// What other areas may use from use cases: the demo seed.
export { seedDemoUseCases } from './demo';
export { sweepTriggers } from './triggers';
