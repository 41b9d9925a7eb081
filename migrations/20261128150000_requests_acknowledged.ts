import type { Knex } from 'knex';

// CCPA regulations §7021(a): receipt is confirmed within 10 business days; record when and by whom.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.timestamp('acknowledged_at', { useTz: true });
    t.text('acknowledged_by');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('acknowledged_at');
    t.dropColumn('acknowledged_by');
  });
}
