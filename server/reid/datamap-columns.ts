// Default quasi-identifiers and sensitive attributes for a dataset, from its columns' data
// categories in the data map (the form starts from these; a data steward can change them).
// Prefix matching follows the taxonomy convention: `user.contact.address` covers `.postal_code`.
import type { DatasetDef } from '../policies/types';

/** Harmless alone, identifying in combination (Sweeney: ZIP code + birth date + sex). */
const QUASI = [
  'user.demographic.age_range',
  'user.demographic.date_of_birth',
  'user.demographic.gender',
  'user.demographic.language',
  'user.demographic.marital_status',
  'user.demographic.race_ethnicity',
  'user.demographic.citizenship_or_immigration_status',
  'user.contact.address.postal_code',
  'user.contact.address.city',
  'user.contact.address.state',
  'user.contact.address.country',
  'user.location.coarse',
  'user.location.imprecise',
  'user.job_title',
  'user.professional_information',
  'user.workplace',
];

/** What an attacker wants to learn: GDPR Art. 9 special categories, health, finances, criminal records. */
const SENSITIVE = [
  'user.health',
  'user.health_and_medical',
  'user.biometric.health',
  'user.criminal_history',
  'user.financial',
  'user.demographic.religious_belief',
  'user.demographic.political_opinion',
  'user.demographic.philosophical_belief',
  'user.demographic.sexual_orientation',
  'user.demographic.union_membership',
  'user.children',
];

/** Identify on their own: never quasi-identifiers; the leak scan looks for them in every column. */
const DIRECT = [
  'user.name',
  'user.contact.email',
  'user.contact.phone_number',
  'user.contact.fax_number',
  'user.contact.address.street',
  'user.contact.address.mailing_address',
  'user.government_id',
  'user.unique_id',
  'user.account.username',
  'user.device.ip_address',
  'user.device.device_id',
  'user.device.cookie_id',
  'user.financial.bank_account',
  'user.financial.credit_card',
  'user.health.record_id',
  'user.health.insurance_beneficiary_id',
  'user.location.precise',
];

const covers = (prefixes: string[], category: string) =>
  prefixes.some((p) => category === p || category.startsWith(p + '.'));

/** Identifies on its own: an identity column, or one with a direct-identifier category. */
export const isDirectIdentifier = (column: { identity?: string; categories: readonly string[] }) =>
  Boolean(column.identity) || column.categories.some((c) => covers(DIRECT, c));

export function columnsFromDataMap(dataset: DatasetDef): { quasi: string[]; sensitive: string[]; direct: string[] } {
  const quasi: string[] = [];
  const sensitive: string[] = [];
  const direct: string[] = [];
  for (const column of dataset.columns) {
    if (isDirectIdentifier(column)) direct.push(column.name);
    else if (column.categories.some((c) => covers(SENSITIVE, c))) sensitive.push(column.name);
    else if (column.categories.some((c) => covers(QUASI, c))) quasi.push(column.name);
  }
  return { quasi, sensitive, direct };
}
