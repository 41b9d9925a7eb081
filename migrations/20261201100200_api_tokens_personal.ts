import type { Knex } from 'knex';

// Personal tokens: each answers to one person (owner), acts with that person's role as it was
// when minted (and stops when it changes), optionally carries fewer permissions, and expires.
// Tokens from before have no owner and stop working: mint personal ones instead.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.uuid('owner_id').references('users.id');
    t.jsonb('permissions'); // ["resource:action", …]; null = every permission of the owner's role
    t.timestamp('expires_at', { useTz: true });
    t.boolean('breakglass').notNullable().defaultTo(false); // minted through the CLI
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('owner_id');
    t.dropColumn('permissions');
    t.dropColumn('expires_at');
    t.dropColumn('breakglass');
  });
}
