// The demo company's AI use cases, one at every stage: a draft code assistant, a submitted copy
// generator, a high-risk CV screener in review, a limited-risk support chatbot approved with
// conditions, a churn model approved, a prohibited emotion-recognition tool rejected, a retired tagger.
import type { Deps } from '../deps';
import { userByEmail } from '../auth';
import { userPrincipal } from '../auth';
import { DEMO_DOMAIN } from '../demo';
import type { UseCaseInput } from './commands';
import { services } from '../services';

export async function seedDemoUseCases(deps: Deps): Promise<void> {
  if (!deps.policies.current().aiAct) return;
  const who = async (name: string) => {
    const u = await userByEmail(deps.db, `${name}@${DEMO_DOMAIN}`);
    if (!u) throw new Error(`demo user ${name} missing`);
    return { id: u.id, p: userPrincipal(u) };
  };
  const [dan, olga, eve, bram, chen] = await Promise.all(
    ['dan.steward', 'olga.officer', 'eve.ethics', 'bram.board', 'chen.chair'].map(who),
  );
  const { useCases: cases, reviews: review } = services(deps);
  const fields = (f: Partial<UseCaseInput> & { title: string; purpose: string; ownerId: string }): UseCaseInput => ({
    models: [],
    dataCategories: [],
    datasets: [],
    datamapModels: [],
    personalDataUses: [],
    logRetention: '',
    humanOversight: '',
    affectedGroups: '',
    regions: ['EU'],
    goLive: null,
    ...f,
  });
  const make = async (
    f: Parameters<typeof fields>[0],
    answers: Record<string, boolean | string>,
    assessment?: { dpia: Record<string, string>; fria: Record<string, string> },
  ) => {
    const out = await cases.create({ fields: fields(f), answers, ...(assessment ? { assessment } : {}) }, dan.p);
    if (!out.ok) throw new Error(`demo use case ${f.title}: ${JSON.stringify(out.errors)}`);
    return out.value.id;
  };
  const toReview = async (id: string) => {
    await cases.submit(id, dan.p);
    await review.assign(id, [bram.id, eve.id], chen.p);
  };
  const deployer = { uses_under_own_authority: true };

  await make(
    {
      title: 'Internal code assistant',
      purpose: 'Suggests code to engineers in the IDE from a vendor model; no customer data in prompts.',
      ownerId: olga.id,
      models: ['Code model (vendor)'],
    },
    {
      ...deployer,
      uses_gpai_model: true,
      gpai_model_provider: 'Vendor model provider',
      interacts_with_people: true,
      obviously_ai: true,
    },
  );
  const copy = await make(
    {
      title: 'Marketing copy generator',
      purpose: 'Drafts campaign copy and product descriptions that marketers edit before publishing.',
      ownerId: olga.id,
      models: ['Text model (vendor)'],
    },
    { ...deployer, uses_gpai_model: true, generates_synthetic_content: true },
  );
  await cases.submit(copy, dan.p);

  const cv = await make(
    {
      title: 'CV screening for support hires',
      purpose: 'Ranks incoming applications for support roles against the job profile before a recruiter reads them.',
      ownerId: olga.id,
      dataCategories: ['user.contact.email'],
      personalDataUses: ['prompts'],
      humanOversight: 'A recruiter reads every CV the model ranks low before rejecting it.',
      affectedGroups: 'Job applicants',
    },
    { ...deployer, recruitment_selection: true, profiles_natural_persons: true, personal_data_at_scale: true },
    {
      dpia: {
        description: 'Scores CVs against the job profile.',
        necessity: 'Volume of applications; a person decides.',
        risks: 'Indirect discrimination through proxies in CVs.',
        measures: 'Bias testing per quarter; recruiter reviews every rejection.',
      },
      fria: {},
    },
  );
  await toReview(cv);
  await review.vote(
    cv,
    {
      vote: 'approve_with_conditions',
      comment: 'Only with quarterly bias testing.',
      conditions: [{ text: 'Publish the quarterly bias test to the board' }],
    },
    bram.p,
  );

  const bot = await make(
    {
      title: 'Support chatbot trained on tickets',
      purpose: 'Answers customer questions from past support tickets and hands over to an agent when unsure.',
      ownerId: olga.id,
      datasets: ['assistant.training_snapshot_2026_10', 'support.tickets'],
      datamapModels: ['support-assistant-v3'],
      dataCategories: ['user.contact.email'],
      personalDataUses: ['fine_tunes', 'prompts'],
      logRetention: 'P30D',
      humanOversight: 'Agents review escalations daily.',
    },
    {
      ...deployer,
      interacts_with_people: true,
      uses_gpai_model: true,
      fine_tunes_gpai: true,
      gpai_model_provider: 'Base model vendor',
    },
  );
  await toReview(bot);
  await review.vote(
    bot,
    {
      vote: 'approve_with_conditions',
      comment: 'Customers must know it is a bot.',
      conditions: [
        { text: 'Show "You are chatting with an AI assistant" before the first answer' },
        { text: 'Purge prompt logs after 30 days' },
      ],
    },
    bram.p,
  );
  await review.vote(bot, { vote: 'approve', comment: 'Escalation path is good.', conditions: [] }, eve.p);

  const churn = await make(
    {
      title: 'Churn prediction for account managers',
      purpose: 'Flags accounts likely to cancel so account managers can call them; no automated action.',
      ownerId: olga.id,
      datasets: ['analytics.events'],
    },
    { ...deployer },
  );
  await toReview(churn);
  await review.vote(churn, { vote: 'approve', comment: 'Minimal risk.', conditions: [] }, bram.p);
  await review.vote(churn, { vote: 'approve', comment: 'Agreed.', conditions: [] }, eve.p);

  const mood = await make(
    {
      title: 'Agent mood detection in the call centre',
      purpose: 'Infers the emotions of call-centre agents from their voice to coach them.',
      ownerId: olga.id,
      affectedGroups: 'Call-centre employees',
    },
    { ...deployer, emotion_recognition: true, workplace_or_education: true },
  );
  await toReview(mood);
  await review.vote(
    mood,
    { vote: 'reject', comment: 'Emotion recognition in the workplace is prohibited (Art. 5(1)(f)).', conditions: [] },
    bram.p,
  );
  await review.vote(mood, { vote: 'reject', comment: 'Prohibited practice.', conditions: [] }, eve.p);

  const old = await make(
    {
      title: 'Ticket sentiment tagger (v1)',
      purpose: 'Tagged ticket sentiment for reporting; replaced by the support chatbot.',
      ownerId: olga.id,
    },
    { ...deployer },
  );
  await cases.retire(old, chen.p);
}
