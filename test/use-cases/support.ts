// Helpers for the use-case tests: people, tokens they minted, and cases moved to a given stage
// through the real services and API.
import request from 'supertest';
import { expect } from 'vitest';
import { apiToken, createUser, type TestApp } from '../support/app';
import { userPrincipal, type Principal } from '../../server/auth/principal';
import { createUseCaseService } from '../../server/use-cases/service';
import { createReviewService } from '../../server/use-cases/review';

export interface Person {
  id: string;
  principal: Principal;
  token: string;
}

export async function person(t: TestApp, role: string): Promise<Person> {
  const u = await createUser(t, role);
  return { id: u.id, principal: userPrincipal(u), token: await apiToken(t, role, `user:${u.id}`) };
}

export const services = (t: TestApp) => {
  const cases = createUseCaseService(t.deps);
  return { cases, review: createReviewService(t.deps, cases) };
};

export const api = (t: TestApp, token: string) => ({
  get: (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  post: (path: string, body: object = {}) =>
    request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
});

export const CHATBOT = {
  title: 'Support chatbot trained on tickets',
  purpose: 'Answers customer questions from past support tickets, with hand-over to an agent.',
  models: ['support-assistant-v3 (fine-tuned, in-house)'],
  dataCategories: ['user.contact.email'],
  datasets: ['assistant.training_snapshot_2026_10', 'support.tickets'],
  datamapModels: ['support-assistant-v3'],
  personalDataUses: ['fine_tunes', 'prompts'],
  answers: {
    uses_under_own_authority: true,
    interacts_with_people: true,
    uses_gpai_model: true,
    gpai_model_provider: 'Vendor Inc.',
  },
};

/** Registered by `proposer` (owner: `owner`), submitted, with `reviewers` assigned. */
export async function inReview(
  t: TestApp,
  proposer: Person,
  owner: Person,
  reviewers: Person[],
  body: Record<string, unknown> = CHATBOT,
): Promise<string> {
  const created = await api(t, proposer.token).post('/use-cases', { ...body, ownerId: owner.id });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const submitted = await api(t, proposer.token).post(`/use-cases/${created.body.id}/submit`);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  const assigned = await services(t).review.assign(
    created.body.id,
    reviewers.map((r) => r.id),
    proposer.principal,
  );
  expect(assigned.ok).toBe(true);
  return created.body.id;
}
