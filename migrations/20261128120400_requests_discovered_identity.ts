import type { Knex } from 'knex';

// The identity discovered by walking the data map (customer ids found from an email…), kept
// encrypted so a rerun after a crash erases with the same values even though the rows that
// linked them are already gone. Destroyed with the rest when the request closes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.text('discovered_enc');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('discovered_enc');
  });
}
