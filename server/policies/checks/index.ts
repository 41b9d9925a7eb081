import { checkAccess } from './access';
import { checkAlerts } from './alerts';
import { CheckContext, type Parts } from './context';
import { checkDatamap } from './datamap';
import { checkDeletion } from './deletion';
import { checkAiAct, checkReid, checkSchedules, checkTaxonomy, checkTests } from './misc';
import { checkRetention } from './retention';
import { checkTraining } from './training';
import type { Problem } from '../types';

export type { Parts } from './context';

/** Every check that needs more than one file's shape; each skips what depends on a missing or invalid file. */
export function crossCheck(parts: Parts): Problem[] {
  const ctx = new CheckContext(parts);
  for (const check of [checkTaxonomy, checkAccess, checkDatamap, checkDeletion, checkRetention, checkReid, checkSchedules, checkTests, checkAiAct, checkTraining, checkAlerts]) {
    check(ctx);
  }
  return ctx.problems;
}
