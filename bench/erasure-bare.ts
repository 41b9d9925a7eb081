// The baseline: the statements a DBA would write by hand to erase one known customer of the demo
// company under its deletion policy — same rows, same results (the bench compares every table's
// content afterwards), no planning, no discovery, no counting, one transaction per system.
import type { Knex } from 'knex';
import { hashValue, pseudonymize, REDACTED } from '../server/erasure/strategies';
import { escapeLike, escapeRegex } from '../server/erasure/sql';
import type { Keys } from '../server/erasure/types';
import type { DemoSystem } from '../server/demo/systems';

export interface BareSubject {
  id: string;
  email: string;
}

export async function bareErase(dbs: Record<DemoSystem, Knex>, s: BareSubject, keys: Keys, now: Date): Promise<void> {
  const like = `%${escapeLike(s.email)}%`;
  const re = escapeRegex(s.email);
  const redact = (col: string) => `${col} = regexp_replace(${col}, ?, ?, 'gi')`;
  await dbs.crm.transaction(async (t) => {
    await t.raw('DELETE FROM addresses WHERE customer_id = ?', [s.id]);
    await t.raw('DELETE FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = ?)', [s.id]);
    await t.raw('DELETE FROM orders WHERE customer_id = ?', [s.id]);
    await t.raw('DELETE FROM payment_cards WHERE customer_id = ?', [s.id]);
    await t.raw('DELETE FROM logins WHERE customer_id = ?', [s.id]);
    await t.raw('DELETE FROM customers WHERE id = ?', [s.id]);
  });
  await dbs.billing.transaction(async (t) => {
    const mine = '(customer_id = ? OR lower(billing_email) = ?)';
    await t.raw(`DELETE FROM invoices WHERE ${mine} AND issued_at + interval 'P10Y' <= ?`, [s.id, s.email, now]);
    await t.raw(
      `UPDATE invoices SET billing_name = ?, billing_email = ? WHERE ${mine} AND issued_at + interval 'P10Y' > ? AND billing_name <> ?`,
      ['[redacted]', '[redacted]', s.id, s.email, now, '[redacted]'],
    );
  });
  await dbs.support.transaction(async (t) => {
    const mine = '(customer_id = ? OR lower(requester_email) = ?)';
    await t.raw('DELETE FROM ticket_messages WHERE lower(author_email) = ?', [s.email]);
    await t.raw(`DELETE FROM ticket_messages WHERE ticket_id IN (SELECT id FROM tickets WHERE ${mine})`, [
      s.id,
      s.email,
    ]);
    await t.raw(`UPDATE ticket_messages SET ${redact('body')} WHERE body ILIKE ?`, [re, REDACTED, like]);
    await t.raw(`DELETE FROM tickets WHERE ${mine}`, [s.id, s.email]);
    await t.raw('UPDATE tickets SET cc_email = ? WHERE lower(cc_email) = ?', [hashValue(keys.hash, s.email), s.email]);
    await t.raw(`UPDATE tickets SET ${redact('subject')} WHERE subject ILIKE ?`, [re, REDACTED, like]);
    await t.raw(`UPDATE tickets SET ${redact('body')} WHERE body ILIKE ?`, [re, REDACTED, like]);
  });
  await dbs.analytics.raw('UPDATE events SET user_id = ?, ip_address = NULL WHERE user_id = ?', [
    pseudonymize(keys.pseudonym, s.id),
    s.id,
  ]);
  await dbs.assistant.transaction(async (t) => {
    await t.raw('DELETE FROM prompt_logs WHERE lower(user_email) = ?', [s.email]);
    await t.raw(`UPDATE prompt_logs SET ${redact('prompt')} WHERE prompt ILIKE ?`, [re, REDACTED, like]);
    await t.raw(`UPDATE prompt_logs SET ${redact('completion')} WHERE completion ILIKE ?`, [re, REDACTED, like]);
    await t.raw('DELETE FROM embeddings WHERE customer_id = ? OR source_text ILIKE ?', [s.id, like]);
    await t.raw('DELETE FROM training_snapshot_2026_10 WHERE customer_id = ?', [s.id]);
    await t.raw(`UPDATE training_snapshot_2026_10 SET ${redact('text')} WHERE text ILIKE ?`, [re, REDACTED, like]);
  });
}
