import type { Knex } from 'knex';

// With `policy_activation.second_person` in access.yaml, a person's reload waits here (the bundle
// already stored) until a different person approves it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_activation_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('hash').notNullable().references('hash').inTable('policy_bundles');
    t.text('requested_by').notNullable();
    t.text('decided_by');
    t.text('outcome'); // approved | refused | superseded
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('policy_activation_requests');
}
