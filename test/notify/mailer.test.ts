// The mailer every area uses: through a real SMTP server, or (the demo) as .eml files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, renderMail } from '../../server/notify/mailer';
import { createLogger } from '../../server/logger';
import { startSmtp, type TestSmtp } from '../support/smtp';

let smtp: TestSmtp;
let dir: string;
beforeAll(async () => {
  smtp = await startSmtp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-mail-'));
});
afterAll(async () => {
  await smtp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const data = {
  name: 'Ada',
  role: 'auditor',
  invitedBy: 'Grace',
  link: 'http://lethe.test/invitations/abc',
  expiresAt: '2026-12-04 10:00',
  mfa: false,
};

describe('mailer', () => {
  it('renders the subject from the template and delivers through SMTP', async () => {
    const mailer = createMailer(
      { smtpUrl: smtp.url, mailFrom: 'Lethe <lethe@lethe.test>', dataDir: dir },
      createLogger('silent'),
    );
    await mailer.send({ to: 'ada@example.com', template: 'invitation', data });
    const mail = await smtp.waitFor('ada@example.com');
    expect(mail.subject).toBe('You are invited to Lethe');
    expect(mail.text).toContain('http://lethe.test/invitations/abc');
    expect(mail.from).toBe('lethe@lethe.test');
    mailer.close();
  });

  it('without SMTP_URL writes an .eml file under the data dir and returns its path', async () => {
    const mailer = createMailer(
      { smtpUrl: null, mailFrom: 'Lethe <lethe@localhost>', dataDir: dir },
      createLogger('silent'),
    );
    const sent = await mailer.send({ to: 'ada@example.com', template: 'invitation', data });
    expect(sent.file!.startsWith(path.join(dir, 'mail'))).toBe(true);
    const eml = fs.readFileSync(sent.file!, 'utf8');
    expect(eml).toContain('Subject: You are invited to Lethe');
    expect(eml).toContain('To: ada@example.com');
  });

  it('refuses a template name that is not a plain file name', async () => {
    await expect(renderMail('../layouts/main', {})).rejects.toThrow(/not a template name/);
  });
});
