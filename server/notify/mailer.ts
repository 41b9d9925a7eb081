// Outgoing email for every area: `deps.mailer.send({to, template, data})` renders
// views/emails/<template>.ejs (its first line "Subject: …", then the plain-text body) and sends it
// through SMTP_URL, or, without one (the demo), writes an .eml file under <data dir>/mail and
// logs its path. Logs name the template and message id, never the recipient or the body.
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import ejs from 'ejs';
import type { Transporter } from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { fromRoot } from '../app-root';

export interface MailMessage {
  to: string;
  /** A file under views/emails/, without ".ejs". */
  template: string;
  data: Record<string, unknown>;
}

export interface SentMail {
  messageId: string;
  /** The .eml file written by the demo's file transport. */
  file?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<SentMail>;
  close(): void;
}

const TEMPLATES = fromRoot('views', 'emails');

/** Thrown when a template is missing or has no "Subject:" first line. */
export class MailTemplateError extends Error {}

export async function renderMail(
  template: string,
  data: Record<string, unknown>,
): Promise<{ subject: string; text: string }> {
  if (!/^[a-z0-9-]+$/.test(template)) throw new MailTemplateError(`"${template}" is not a template name`);
  // Plain text: nothing is HTML-escaped, and nothing is interpreted as HTML by the reader either.
  const rendered = await ejs.renderFile(path.join(TEMPLATES, `${template}.ejs`), data, {
    escape: (s: unknown) => String(s ?? ''),
  });
  const [first, ...rest] = rendered.replace(/^\s+/, '').split('\n');
  const subject = /^Subject:\s*(.+)$/.exec(first)?.[1]?.trim();
  if (!subject) throw new MailTemplateError(`views/emails/${template}.ejs must start with a "Subject: …" line`);
  return { subject: subject.replace(/[\r\n]/g, ' '), text: rest.join('\n').replace(/^\n+/, '') };
}

export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>, logger: Logger): Mailer {
  const toFiles = !config.smtpUrl;
  // Made on the first message (nodemailer costs ~0.1 s to load, and most starts send nothing).
  let transport: Promise<Transporter> | null = null;
  const transporter = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      toFiles
        ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
        : nodemailer.createTransport(config.smtpUrl!),
    ));
  const mailDir = path.join(config.dataDir, 'mail');

  return {
    async send({ to, template, data }) {
      const { subject, text } = await renderMail(template, data);
      const info = await (await transporter()).sendMail({ from: config.mailFrom, to, subject, text });
      const messageId = String(info.messageId ?? crypto.randomUUID());
      if (!toFiles) {
        logger.info({ event: 'mail.sent', template, messageId }, `email "${template}" sent`);
        return { messageId };
      }
      await fs.mkdir(mailDir, { recursive: true, mode: 0o700 });
      const file = path.join(
        mailDir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${template}-${crypto.randomBytes(3).toString('hex')}.eml`,
      );
      await fs.writeFile(file, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
      logger.info(
        { event: 'mail.written', template, file },
        `email "${template}" written to ${file} (no SMTP_URL set)`,
      );
      return { messageId, file };
    },
    close: () => void transport?.then((t) => t.close()),
  };
}
