// Every cross-file check and the per-file schema errors, each on a copy of the shipped bundle with
// one fault, asserting the message and the file:line:column of the offending node.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../server/policies/bundle';
import { formatProblem } from '../../server/policies/yaml-source';
import { copyBundle, edit, positionOf } from './helpers';

async function problems(dir: string): Promise<string[]> {
  const result = await loadBundle(dir);
  if (result.ok) return [];
  return result.problems.map(formatProblem);
}

/** Applies edits to a fresh copy and returns the problems. */
async function withFault(...edits: [file: string, from: string, to: string][]): Promise<{ dir: string; found: string[] }> {
  const dir = await copyBundle();
  for (const [file, from, to] of edits) await edit(dir, file, from, to);
  return { dir, found: await problems(dir) };
}

describe('per-file schema problems', () => {
  it('an unknown key points at the key', async () => {
    const { dir, found } = await withFault(['retention.yaml', '    keep_for: P13M\n', '    keep_for: P13M\n    keep_forever: true\n']);
    expect(found).toEqual([`${await positionOf(dir, 'retention.yaml', 'keep_forever')}: rules[0]: unknown key "keep_forever"`]);
  });

  it('a phone region libphonenumber does not know is refused at its value; a known one reaches the data map', async () => {
    const { dir, found } = await withFault(['deletion.yaml', 'kind: DeletionPolicy\n', 'kind: DeletionPolicy\nphone_region: XX\n']);
    expect(found).toEqual([`${await positionOf(dir, 'deletion.yaml', 'XX')}: phone_region: not a region libphonenumber knows: use an ISO 3166-1 alpha-2 code such as IE, ES or US`]);
    const good = await copyBundle();
    await edit(good, 'deletion.yaml', 'kind: DeletionPolicy\n', 'kind: DeletionPolicy\nphone_region: IE\n');
    const loaded = await loadBundle(good);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.bundle.datamap.phoneRegion).toBe('IE');
    await rm(good, { recursive: true, force: true });
  });

  it('a missing required key points at the map that lacks it', async () => {
    const { dir, found } = await withFault(['schedules.yaml', '    audit: retention_sweep\n', '']);
    expect(found).toEqual([`${await positionOf(dir, 'schedules.yaml', 'name: retention_sweep_daily')}: schedules[2]: missing required key "audit"`]);
  });

  it('a wrong value points at the value', async () => {
    const { dir, found } = await withFault(['retention.yaml', 'keep_for: P13M', 'keep_for: 13 months']);
    expect(found).toEqual([`${await positionOf(dir, 'retention.yaml', '13 months')}: rules[0].keep_for: must be an ISO-8601 duration such as P30D, P13M or P10Y`]);
  });

  it('an access review period below one day points at the value', async () => {
    const { dir, found } = await withFault(['access.yaml', 'unused_days: 90', 'unused_days: 0']);
    expect(found).toEqual([`${await positionOf(dir, 'access.yaml', 'unused_days: 0', 'unused_days: '.length)}: review.unused_days: Too small: expected number to be >=1`]);
  });

  it('a legal hold without its legal basis is rejected, pointing at the hold', async () => {
    const { dir, found } = await withFault([
      'retention.yaml',
      '    legal_basis:\n      gdpr: GDPR Art. 17(3)(b) (compliance with a legal obligation) and Art. 58(1) (supervisory authority\'s investigative powers)\n',
      '',
    ]);
    expect(found).toEqual([`${await positionOf(dir, 'retention.yaml', 'name: reg_2025_007_analytics')}: legal_holds[1]: missing required key "legal_basis"`]);
  });

  it('a legal hold with an empty legal basis names the article it needs', async () => {
    const { found } = await withFault(['retention.yaml', "gdpr: GDPR Art. 17(3)(b) (compliance with a legal obligation) and Art. 58(1) (supervisory authority's investigative powers)", 'lgpd: " "']);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/legal_holds\[1\]\.legal_basis\.lgpd: must not be empty/);
  });

  it('a legal hold on a category that is not in the taxonomy', async () => {
    const { dir, found } = await withFault(['retention.yaml', '    dataset: support.tickets\n    expires', '    category: user.finance\n    expires']);
    expect(found).toEqual([expect.stringContaining(`${await positionOf(dir, 'retention.yaml', 'user.finance')}: unknown category "user.finance"`)]);
  });

  it('a regulation list with a typo names the bad item', async () => {
    const { dir, found } = await withFault(['deletion.yaml', 'regulations: [ccpa]\n    strategy: hash', 'regulations: [cppa]\n    strategy: hash']);
    expect(found).toEqual([`${await positionOf(dir, 'deletion.yaml', 'cppa')}: rules[1].regulations[0]: Invalid option: expected one of "gdpr"|"ccpa"|"lgpd"`]);
  });

  it('mask without mask_value is refused', async () => {
    const { dir, found } = await withFault(['deletion.yaml', '    strategy: mask\n    mask_value: "[removed at the author\'s request]"\n', '    strategy: mask\n']);
    expect(found).toEqual([`${await positionOf(dir, 'deletion.yaml', 'mask\n    reason: Keeps threads')}: rules[4].strategy: strategy mask needs a mask_value (the fixed replacement)`]);
  });

  it('every file starts with apiVersion, and only lethe/v1 is understood', async () => {
    const { found } = await withFault(['reid.yaml', 'apiVersion: lethe/v1\nkind: ReidPolicy\n', 'kind: ReidPolicy\napiVersion: lethe/v2\n']);
    expect(found).toContain('reid.yaml:4:1: every policy file starts with `apiVersion: lethe/v1`');
    expect(found.some((p) => /^reid\.yaml:5:13: apiVersion: Invalid input: expected "lethe\/v1"/.test(p))).toBe(true);
  });

  it('a missing required file and an unknown file are problems', async () => {
    const dir = await copyBundle();
    await rm(path.join(dir, 'schedules.yaml'));
    await writeFile(path.join(dir, 'acess.yaml'), 'apiVersion: lethe/v1\n');
    const found = await problems(dir);
    expect(found).toContain('schedules.yaml:1:1: required policy file is missing');
    expect(found.some((p) => p.startsWith('acess.yaml:1:1: not a policy file'))).toBe(true);
  });

  it('a syntax error in one data map file does not flood the others with unknown-dataset errors', async () => {
    const { dir, found } = await withFault(['datamap/analytics.yaml', '  - name: events\n', '  - name: events\n   bad: indent\n']);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${(await positionOf(dir, 'datamap/analytics.yaml', 'bad: indent')).replace(/:\d+$/, '')}:\\d+: YAML syntax error`));
  });
});

describe('cross-file checks', () => {
  it('a retention rule for a dataset not in the data map', async () => {
    const { dir, found } = await withFault(['retention.yaml', 'dataset: analytics.events\n    keep_for', 'dataset: analytics.event\n    keep_for']);
    expect(found).toEqual([
      `${await positionOf(dir, 'retention.yaml', 'analytics.event\n')}: unknown dataset "analytics.event": not in the data map (did you mean "analytics.events"?)`,
    ]);
  });

  it('a legal hold on a dataset not in the data map', async () => {
    const { dir, found } = await withFault(['retention.yaml', 'dataset: support.tickets\n    expires', 'dataset: support.tickts\n    expires']);
    expect(found).toEqual([`${await positionOf(dir, 'retention.yaml', 'support.tickts')}: unknown dataset "support.tickts": not in the data map (did you mean "support.tickets"?)`]);
  });

  it('a retention rule counting from a column the dataset does not have', async () => {
    const { dir, found } = await withFault(['retention.yaml', 'from: { column: occurred_at }', 'from: { column: created_at }']);
    expect(found).toEqual([`${await positionOf(dir, 'retention.yaml', 'created_at }')}: analytics.events has no column "created_at" to count from`]);
  });

  it('two category rules of equal depth that both decide a dataset and disagree', async () => {
    const { dir, found } = await withFault([
      'retention.yaml',
      'legal_holds:\n',
      '  - name: customer_numbers\n    category: user.unique_id\n    keep_for: P5Y\n    from: { column: created_at }\n    action: delete\n    reason: test\n\nlegal_holds:\n',
    ]);
    expect(found).toEqual([
      `${await positionOf(dir, 'retention.yaml', 'name: customer_numbers')}: retention rule "customer_numbers" conflicts with rule "user_content" at ` +
        `${(await positionOf(dir, 'retention.yaml', 'name: user_content'))}: both apply to dataset assistant.embeddings (through its column categories) ` +
        'with equal specificity but disagree (keep_for P5Y from column created_at, then delete vs keep_for P2Y from column created_at, then delete)',
    ]);
  });

  it('a category rule that decides a dataset lacking its date column', async () => {
    const { dir, found } = await withFault(['retention.yaml', 'keep_for: P2Y\n    from: { column: created_at }', 'keep_for: P2Y\n    from: { column: written_at }']);
    expect(found).toEqual([
      `${await positionOf(dir, 'retention.yaml', 'written_at')}: rule "user_content" decides retention for assistant.embeddings, which has no column "written_at"; add a dataset rule for it`,
    ]);
  });

  it('two deletion rules of equal specificity that disagree', async () => {
    const { dir, found } = await withFault([
      'deletion.yaml',
      'exemptions:\n',
      '  - category: user\n    regulations: all\n    strategy: "null"\n    reason: test\n\nexemptions:\n',
    ]);
    const second = await positionOf(dir, 'deletion.yaml', 'category: user\n    regulations: all\n    strategy: "null"');
    expect(found).toEqual([
      `${second}: deletion rule for "user" (gdpr, ccpa, lgpd) says null but the rule at ${await positionOf(dir, 'deletion.yaml', 'category: user\n')} with equal specificity says delete_row`,
    ]);
  });

  it('personal-data categories left without a deletion strategy', async () => {
    const { dir, found } = await withFault(['deletion.yaml', '  - category: user\n    regulations: all\n    strategy: delete_row\n', '  - category: user.name\n    regulations: all\n    strategy: delete_row\n']);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${await positionOf(dir, 'deletion.yaml', '  - category: user.name', 2)}: no deletion rule covers user, user.account, .* and \\d+ more; keep a default rule`));
  });

  it('two exemptions that claim the same column', async () => {
    const { dir, found } = await withFault(['deletion.yaml', 'datasets: [billing.invoices]\n    regulations: [lgpd]', 'datasets: [billing.invoices]\n    regulations: [lgpd, gdpr]']);
    expect(found[0]).toBe(
      `${await positionOf(dir, 'deletion.yaml', 'name: invoices_tax_records_lgpd')}: exemptions "invoices_tax_records_gdpr" and "invoices_tax_records_lgpd" both cover billing.invoices.id (system.operations) under gdpr; narrow one of them so a single legal basis applies`,
    );
  });

  it('an exemption counting from a column its dataset lacks', async () => {
    const { dir, found } = await withFault(['deletion.yaml', 'from: placed_at', 'from: created_at']);
    expect(found).toEqual([`${await positionOf(dir, 'deletion.yaml', 'from: created_at', 6)}: exemption "chargeback_defence" counts from column "created_at", which crm.orders does not have`]);
  });

  it('an unknown resource and an unknown action in access rules', async () => {
    const { dir, found } = await withFault(
      ['access.yaml', '    resource: finding\n    actions: [read, update]\n    reason: Officers', '    resource: findings\n    actions: [read, update]\n    reason: Officers'],
      ['access.yaml', 'actions: [read, create, review, decide]\n    reason: The board', 'actions: [read, create, review, veto]\n    reason: The board'],
    );
    expect(found).toEqual([
      `${await positionOf(dir, 'access.yaml', 'findings')}: unknown resource "findings": not defined under resources (did you mean "finding"?)`,
      `${await positionOf(dir, 'access.yaml', 'veto')}: unknown action "veto" for resource "use_case"`,
    ]);
  });

  it('data map references, keys, lineage and release kinds must resolve', async () => {
    const { dir, found } = await withFault(
      ['datamap/crm.yaml', '      - column: order_id\n        to: orders.id', '      - column: order_id\n        to: orders.uuid'],
      ['datamap/crm.yaml', 'description: Sign-in events, kept for account security (unusual-login alerts).\n    primary_key: [id]', 'description: Sign-in events, kept for account security (unusual-login alerts).\n    primary_key: [login_id]'],
      ['datamap/assistant.yaml', 'trained_on: [assistant.training_snapshot_2026_10]', 'trained_on: [assistant.embeddings]'],
      ['datamap/assistant.yaml', 'release_kind: training_snapshot', 'release_kind: training'],
    );
    expect([...found].sort()).toEqual([
      `${await positionOf(dir, 'datamap/assistant.yaml', 'release_kind: training', 14)}: release kind "training" has no thresholds in reid.yaml`,
      `${await positionOf(dir, 'datamap/assistant.yaml', 'assistant.embeddings]')}: model "support-assistant-v3" is trained on assistant.embeddings, which is a embeddings, not a training_snapshot`,
      `${await positionOf(dir, 'datamap/crm.yaml', 'orders.uuid')}: reference to unknown column "uuid" of orders (did you mean "id"?)`,
      `${await positionOf(dir, 'datamap/crm.yaml', 'login_id')}: primary key column "login_id" is not a column of logins`,
    ].sort());
  });

  it('a taxonomy category without its parent', async () => {
    const { dir, found } = await withFault(['taxonomy.yaml', '  - key: system.operations\n', '  - key: systems.operations\n']);
    expect(found).toContain(`${await positionOf(dir, 'taxonomy.yaml', 'systems.operations')}: category "systems.operations" has no parent: add "systems" to the taxonomy`);
  });

  it('duplicate names are reported at the second definition', async () => {
    const { dir, found } = await withFault(['schedules.yaml', 'name: overdue_requests_hourly', 'name: audit_log_chain_nightly']);
    expect(found).toEqual([`${await positionOf(dir, 'schedules.yaml', 'name: audit_log_chain_nightly\n    cron: "0', 6)}: duplicate schedule "audit_log_chain_nightly" (first defined on line 6)`]);
  });

  it('a truth table naming an unknown dataset', async () => {
    const { dir, found } = await withFault(['tests/retention_test.yaml', 'dataset: assistant.prompt_logs\n    dates: { created_at: 2026-10-01', 'dataset: assistant.prompt_log\n    dates: { created_at: 2026-10-01']);
    expect(found).toEqual([`${await positionOf(dir, 'tests/retention_test.yaml', 'assistant.prompt_log\n')}: unknown dataset "assistant.prompt_log": not in the data map (did you mean "assistant.prompt_logs"?)`]);
  });
});

describe('the taxonomy', () => {
  // Every `user` and `system` category of the Fides default taxonomy (fideslang 2.x and the 3.2 additions).
  const FIDES = `user user.account user.account.settings user.account.username user.authorization user.authorization.credentials
    user.authorization.biometric user.authorization.biometrics user.authorization.password user.behavior user.behavior.browsing_history
    user.behavior.media_consumption user.behavior.purchase_history user.behavior.search_history user.biometric user.biometric.fingerprint
    user.biometric.retinal user.biometric.voice user.biometric.health user.biometrics user.biometrics.fingerprint user.biometrics.retinal
    user.biometrics.voice user.childrens user.children user.children.children_under_thirteen user.children.thirteen_to_sixteen user.contact
    user.contact.address user.contact.address.city user.contact.address.country user.contact.address.postal_code user.contact.address.state
    user.contact.address.street user.contact.address.mailing_address user.contact.email user.contact.phone_number user.contact.url
    user.contact.social_url user.contact.fax_number user.contact.organization user.content user.content.private user.content.public
    user.content.self_image user.demographic user.demographic.age_range user.demographic.date_of_birth user.demographic.gender
    user.demographic.language user.demographic.marital_status user.demographic.political_opinion user.demographic.profile
    user.demographic.race_ethnicity user.demographic.religious_belief user.demographic.sexual_orientation
    user.demographic.citizenship_or_immigration_status user.demographic.philosophical_belief user.demographic.protected_classifications
    user.demographic.union_membership user.location user.location.imprecise user.location.coarse user.location.precise user.device
    user.device.cookie user.device.cookie_id user.device.device_id user.device.ip_address user.device.sensor user.device.telemetry
    user.payment user.social user.social_activity user.settings user.unique_id user.unique_id.pseudonymous user.unique_id.deterministic
    user.unique_id.probablistic user.telemetry user.user_sensor user.sensor user.workplace user.financial user.financial.bank_account
    user.financial.credit_card user.government_id user.government_id.birth_certificate user.government_id.drivers_license_number
    user.government_id.immigration user.government_id.national_identification_number user.government_id.passport_number
    user.government_id.vehicle_registration user.health_and_medical user.health_and_medical.genetic
    user.health_and_medical.insurance_beneficiary_id user.health_and_medical.record_id user.health user.health.genetic
    user.health.insurance_beneficiary_id user.health.record_id user.health.baby_formula user.health.condition
    user.health.maternity_clothing user.health.medical_diagnosis user.health.medications user.health.prescriptions
    user.health.reproductive_or_sexual user.health.social_psychological_behavioral user.health.symptons user.health.treatment user.name
    user.name.first user.name.last user.criminal_history user.privacy_preferences user.job_title user.professional_information
    user.professional_information.job_title user.professional_information.workplace system system.authentication system.operations`.split(/\s+/);

  it('contains every user and system category of the Fides default taxonomy', async () => {
    const { shippedBundle } = await import('./helpers');
    const keys = new Set((await shippedBundle()).taxonomy.categories.map((c) => c.key));
    expect(FIDES.filter((k) => !keys.has(k))).toEqual([]);
  });
});
