import type { Knex } from 'knex';

// Votes, once per person per version: `voter` is the person accountable for the actor (a token
// answers to its creator), so two tokens of one person are one vote.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_case_votes', (t) => {
    t.bigIncrements('id');
    t.uuid('use_case_id').notNullable().references('use_cases.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.text('voter').notNullable(); // accountable person, user:<uuid>
    t.text('actor').notNullable(); // who cast it (user or token)
    t.text('vote').notNullable(); // approve | approve_with_conditions | reject
    t.jsonb('conditions').notNullable().defaultTo('[]'); // [{text, due, ownerId}]
    t.text('comment').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['use_case_id', 'version', 'voter']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_case_votes');
}
