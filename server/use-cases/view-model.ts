// Labels and tones the pages (and the board packet) show.
export const TIER_LABEL: Record<string, { label: string; tone: string }> = {
  prohibited: { label: 'Prohibited', tone: 'bad' },
  high: { label: 'High risk', tone: 'warn' },
  limited: { label: 'Limited risk', tone: 'info' },
  minimal: { label: 'Minimal risk', tone: 'ok' },
};
export const STATUS_LABEL: Record<string, string> = {
  draft: 'Draft',
  submitted: 'Submitted',
  in_review: 'In review',
  approved: 'Approved',
  approved_with_conditions: 'Approved with conditions',
  rejected: 'Rejected',
  retired: 'Retired',
};
export const ROLE_LABEL: Record<string, string> = {
  provider: 'Provider',
  deployer: 'Deployer',
  provider_and_deployer: 'Provider and deployer',
};
export const DUTY_LABEL: Record<string, string> = {
  interaction: 'Tell people they interact with an AI (Art. 50(1))',
  synthetic_content: 'Mark synthetic content as AI-generated (Art. 50(2))',
  emotion_biometric_notice: 'Inform people exposed to emotion recognition or biometric categorisation (Art. 50(3))',
  deepfake: 'Disclose deepfakes (Art. 50(4))',
  public_interest_text: 'Disclose AI-generated text published on matters of public interest (Art. 50(4))',
};
export const VOTE_LABEL: Record<string, string> = {
  approve: 'Approve',
  approve_with_conditions: 'Approve with conditions',
  reject: 'Reject',
};
export const TRIGGER_LABEL: Record<string, string> = {
  review_due: 'Re-review date passed',
  reid_failed: 'A linked dataset failed its re-identification test',
  model_flagged: 'A model it uses must be retrained after an erasure',
  data_changed: 'Its data categories or datasets changed',
  edited: 'Changed after the decision',
};
export const PERSONAL_DATA_USE_LABEL: Record<string, string> = {
  trains: 'Trains the model',
  fine_tunes: 'Fine-tunes the model',
  grounds: 'Grounds answers (RAG)',
  prompts: 'Only in prompts',
};
export const DPIA_LABEL: Record<string, string> = {
  description: 'Systematic description of the processing and its purposes (Art. 35(7)(a))',
  necessity: 'Necessity and proportionality (Art. 35(7)(b))',
  risks: 'Risks to the rights and freedoms of data subjects (Art. 35(7)(c))',
  measures: 'Measures to address the risks (Art. 35(7)(d))',
};
export const FRIA_LABEL: Record<string, string> = {
  process: 'The deployer’s processes the system is used in (Art. 27(1)(a))',
  period_frequency: 'Period and frequency of use (Art. 27(1)(b))',
  affected_categories: 'Categories of people likely to be affected (Art. 27(1)(c))',
  risks_of_harm: 'Specific risks of harm to those people (Art. 27(1)(d))',
  human_oversight: 'Human oversight measures (Art. 27(1)(e))',
  measures_if_risks: 'Measures if the risks materialise, governance and complaints (Art. 27(1)(f))',
};
export const SECTION_LABEL: Record<string, string> = {
  role: 'Your role (Art. 3, Art. 25)',
  prohibited: 'Prohibited practices (Art. 5(1))',
  high_risk: 'High risk (Art. 6, Annex I and III)',
  derogation: 'Derogation (Art. 6(3))',
  transparency: 'Transparency (Art. 50)',
  gpai: 'General-purpose AI models (Art. 53)',
  assessment: 'Assessments (GDPR Art. 35, AI Act Art. 27)',
};
