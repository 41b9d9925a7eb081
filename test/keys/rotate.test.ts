// Key rotation: `lethe keys rotate` with the new key current and the old one in the keyring,
// then a restart with only the new key (the old one kept in the keyring) keeps every request,
// package and MFA secret readable, and the audit log verifiable.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiToken, createTestApp, signIn, type SignedIn, type TestApp, binaryBody } from '../support/app';
import { cliRunner } from '../support/cli';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { carriedThrough, officers } from '../security/support';
import { createRequestService } from '../../server/requests/service';
import { ENCRYPTED_IDENTITY_FIELDS } from '../../server/requests/identity-fields';
import { masterKeyId } from '../../server/crypto';
import { totpNow } from '../../server/auth/totp';
import { sha256Hex } from '../../server/crypto';

let t: DemoApp;
let workers: RunningWorkers;
let officer: SignedIn;
const oldKey = () => t.env.LETHE_SECRET_KEY!;
const newKey = crypto.randomBytes(32).toString('hex');
const ids: { open: string; closed: string; access: string } = { open: '', closed: '', access: '' };
let packageSha = '';
let closedIndex = '';

beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  officer = await signIn(t, 'compliance_officer');
  const pair = await officers(t);
  const emails = (await sql<{ email: string }>(t.urls.crm, 'SELECT email FROM customers ORDER BY id LIMIT 3')).map(
    (r) => r.email,
  );
  const svc = createRequestService(t.deps);
  const open = await svc.create(
    {
      type: 'erasure',
      regulation: 'gdpr',
      identity: { email: emails[0], phone: '+44 20 7946 0958' },
      reference: 'R-open',
    },
    pair[0],
  );
  await svc.verify(open.id, { method: 'government_id', evidence: 'Passport checked by the desk' }, pair[0]);
  ids.open = open.id;
  ids.closed = await carriedThrough(t, 'erasure', emails[1], pair);
  ids.access = await carriedThrough(t, 'access', emails[2], pair);
  packageSha = (await t.deps.db('request_artefacts').where({ request_id: ids.access, kind: 'export' }).first()).sha256;
  closedIndex = (await t.deps.db('requests').where({ id: ids.closed }).first()).identity_index;
  await workers.close();
}, 180_000);
afterAll(async () => {
  await t?.close();
});

describe('lethe keys rotate', () => {
  it('refuses to run without the old key in the keyring', async () => {
    const { code, err } = await cliRunner({ ...t.env, LETHE_SECRET_KEY: newKey })(['keys', 'rotate']);
    expect(code).toBe(1);
    expect(err).toContain('LETHE_SECRET_KEYRING');
  });

  it('re-encrypts under the new key; after a restart with only the new key (old one in the keyring) everything is readable', async () => {
    const env = { ...t.env, LETHE_SECRET_KEY: newKey, LETHE_SECRET_KEYRING: oldKey() };
    const rotated = await cliRunner(env)(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain(`rotated to key ${masterKeyId(Buffer.from(newKey, 'hex'))}`);

    // The restart: a new process on the same database, the new key current, the old one read-only.
    const restarted: TestApp = await createTestApp({
      database: t.database,
      env: { LETHE_SECRET_KEY: newKey, LETHE_SECRET_KEYRING: oldKey(), LETHE_QUEUE_PREFIX: t.env.LETHE_QUEUE_PREFIX! },
    });
    try {
      const c = restarted.deps.crypto;
      // No stored ciphertext is under the old key any more.
      const open = await restarted.deps.db('requests').where({ id: ids.open }).first();
      for (const f of ENCRYPTED_IDENTITY_FIELDS) if (open[f]) expect(c.keyIdOf(open[f])).toBe(c.keyId);
      const svc = createRequestService(restarted.deps);
      expect(svc.identityOf(open)).toMatchObject({ phone: '+44 20 7946 0958' });
      expect(c.decrypt(open.verification_evidence_enc)).toBe('Passport checked by the desk');
      // Re-indexed where the plaintext exists; kept under the old key where it was destroyed.
      expect(open.identity_index).toBe(c.blindIndex(`email:${svc.identityOf(open)!.email}`));
      expect((await restarted.deps.db('requests').where({ id: ids.closed }).first()).identity_index).toBe(closedIndex);

      // The package downloads and is the same bytes.
      const pkg = await restarted.deps
        .db('request_artefacts')
        .where({ request_id: ids.access, kind: 'export' })
        .first();
      expect(c.keyIdOf(pkg.bytes)).toBe(c.keyId);
      const token = await apiToken(restarted, 'compliance_officer');
      const dl = await request(restarted.app)
        .get(`/api/v1/requests/${ids.access}/export`)
        .set('authorization', `Bearer ${token}`)
        .buffer(true)
        .parse(binaryBody);
      expect(dl.status).toBe(200);
      expect(sha256Hex(dl.body as Buffer)).toBe(packageSha);

      // The MFA secret still signs in.
      const user = await restarted.deps.db('users').where({ id: officer.userId }).first();
      expect(c.keyIdOf(user.mfa_secret_enc)).toBe(c.keyId);
      await restarted.deps.db('users').where({ id: officer.userId }).update({ totp_last_step: null });
      expect(
        (await restarted.deps.auth.verifyMfa(officer.userId, totpNow(officer.totpSecret!), '192.0.2.1')).kind,
      ).toBe('ok');

      // The audit log verifies across the rotation (old entries under the keyring key).
      expect(await restarted.deps.db('audit_log').where({ action: 'keys.rotate' }).first()).toBeTruthy();
      const v = await restarted.deps.audit.verify();
      expect(v.ok).toBe(true);
      const kids = await restarted.deps.db('audit_log').distinct('key_id').pluck('key_id');
      expect(kids).toEqual(expect.arrayContaining([masterKeyId(Buffer.from(oldKey(), 'hex')), c.keyId]));

      // A second request for the open one's subject is flagged as its duplicate under the new index.
      const dup = await svc.create(
        { type: 'erasure', regulation: 'gdpr', identity: { email: svc.identityOf(open)!.email }, reference: 'R-dup' },
        (await officers(restarted))[0],
      );
      expect(dup.duplicate_of).toBe(ids.open);
    } finally {
      await restarted.close();
    }
  }, 120_000);

  it('without the old key in the keyring, data re-encrypted stays readable but the audit log before the rotation cannot be verified', async () => {
    const onlyNew: TestApp = await createTestApp({
      database: t.database,
      env: { LETHE_SECRET_KEY: newKey, LETHE_QUEUE_PREFIX: t.env.LETHE_QUEUE_PREFIX! },
    });
    try {
      const open = await onlyNew.deps.db('requests').where({ id: ids.open }).first();
      expect(createRequestService(onlyNew.deps).identityOf(open)).toMatchObject({ phone: '+44 20 7946 0958' });
      const v = await onlyNew.deps.audit.verify();
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.reason).toMatch(/neither LETHE_SECRET_KEY nor in LETHE_SECRET_KEYRING|no valid signature/);
    } finally {
      await onlyNew.close();
    }
  });
});
