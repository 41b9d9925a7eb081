import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../server/policies/bundle';
import { classify } from '../../server/policies/ai-act';
import { runPolicyTests } from '../../server/policies/policy-tests';
import { copyBundle, edit, SHIPPED } from './helpers';

describe('ai-act.yaml', () => {
  it('classifies CV screening as high risk with the rule and article that fired, and a chatbot as limited', async () => {
    const r = await loadBundle(SHIPPED);
    if (!r.ok) throw new Error('shipped bundle invalid');
    const cv = classify(r.bundle.aiAct!, { uses_under_own_authority: true, recruitment_selection: true });
    expect(cv.tier).toBe('high');
    expect(cv.role).toBe('deployer');
    expect(cv.rulesFired).toContainEqual(expect.objectContaining({ name: 'annex_iii_4a_recruitment', article: 'Art. 6(2), Annex III point 4(a)' }));
    expect(cv.requires).toEqual(['dpia']);
    const bot = classify(r.bundle.aiAct!, { uses_under_own_authority: true, interacts_with_people: true });
    expect(bot).toMatchObject({ tier: 'limited', transparencyDuties: ['interaction'] });
  });

  it('a granted derogation lists the Annex III rule as set aside, not counted', async () => {
    const r = await loadBundle(SHIPPED);
    if (!r.ok) throw new Error('shipped bundle invalid');
    const d = classify(r.bundle.aiAct!, { develops_or_markets: true, recruitment_selection: true, derogation_claimed: true, derogation_justification: 'Sorts CVs by date only' });
    expect(d.tier).toBe('minimal');
    expect(d.rulesFired.find((f) => f.name === 'annex_iii_4a_recruitment')?.setAside).toBe(true);
  });

  it('reports a condition naming an unknown question at its file:line:column', async () => {
    const dir = await copyBundle();
    await edit(dir, 'ai-act.yaml', 'when: { all: [social_scoring] }', 'when: { all: [social_scorng] }');
    const r = await loadBundle(dir);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.some((p) => p.file === 'ai-act.yaml' && p.line > 1 && p.message.includes('unknown fact "social_scorng"'))).toBe(true);
  });

  it('the shipped truth table covers every tier and every rule that decides a tier', async () => {
    const r = await loadBundle(SHIPPED);
    if (!r.ok) throw new Error('shipped bundle invalid');
    const run = runPolicyTests(r.bundle);
    const ai = run.results.filter((x) => x.file === 'tests/ai-act_test.yaml');
    expect(ai.length).toBeGreaterThanOrEqual(100);
    expect(ai.every((x) => x.passed)).toBe(true);
    expect(new Set(ai.map((x) => x.actual.tier))).toEqual(new Set(['prohibited', 'high', 'limited', 'minimal']));
    const fired = new Set(ai.flatMap((x) => String(x.actual.fired).split(',')));
    for (const rule of r.bundle.aiAct!.rules) expect(fired, rule.name).toContain(rule.name);
  });
});
