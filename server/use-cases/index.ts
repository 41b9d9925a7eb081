// What other areas may use from use cases: the demo seed, the re-review sweep and what it left waiting.
export { seedDemoUseCases } from './demo';
export { sweepTriggers, awaitingReReview, type AwaitingReReview } from './triggers';
