import type { Knex } from 'knex';

// A validated policy bundle per (bundle hash, build of Lethe): a restart on unchanged policy files
// reads it back instead of parsing and validating every YAML file again. A cache: deleting any
// row only makes the next start parse once more. Signed with a key derived from LETHE_SECRET_KEY.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_bundle_cache', (t) => {
    t.text('hash').notNullable(); // also of files not (yet) activated: a start reads those too
    t.text('build').notNullable();
    t.text('bundle').notNullable(); // the PolicyBundle as JSON (text: keeps its key order)
    t.text('mac').notNullable(); // HMAC-SHA256 (hex) of build, hash and bundle under the policy-cache key
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['hash', 'build']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('policy_bundle_cache');
}
