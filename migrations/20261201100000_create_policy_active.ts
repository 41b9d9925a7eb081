import type { Knex } from 'knex';

// The active policy bundle is one fact for every process: a single row pointing at a stored
// bundle, moved forward by each activation (generation counts them), plus the last rejected
// reload so every process can show it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_active', (t) => {
    t.smallint('id').primary().defaultTo(1);
    t.text('hash').notNullable().references('hash').inTable('policy_bundles');
    t.bigInteger('generation').notNullable().defaultTo(1);
    t.text('activated_by').notNullable();
    t.timestamp('activated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('rejected_at', { useTz: true });
    t.jsonb('rejection'); // problems of the last rejected bundle, cleared by the next activation
  });
  await knex.raw('ALTER TABLE policy_active ADD CONSTRAINT policy_active_one_row CHECK (id = 1)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('policy_active');
}
