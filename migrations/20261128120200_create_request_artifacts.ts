import type { Knex } from 'knex';

// Certificates of erasure and access-request packages: bytes kept with their SHA-256, which
// is also written to the audit log.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_artifacts', (t) => {
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // certificate | export
    t.text('content_type').notNullable();
    t.text('filename').notNullable();
    t.binary('bytes').notNullable();
    t.text('sha256').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['request_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_artifacts');
}
