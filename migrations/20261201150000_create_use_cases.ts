import type { Knex } from 'knex';

// AI use cases the ethics board decides on: the registry fields, the EU AI Act questionnaire
// answers and their classification, assessments, and where the case stands in its lifecycle.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_cases', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('title').notNullable();
    t.uuid('owner_id').notNullable().references('users.id');
    t.text('purpose').notNullable();
    // draft | submitted | in_review | approved | approved_with_conditions | rejected | retired
    t.text('status').notNullable().defaultTo('draft');
    t.jsonb('models').notNullable().defaultTo('[]'); // models and vendors, as written
    t.jsonb('data_categories').notNullable().defaultTo('[]'); // taxonomy keys
    t.jsonb('datasets').notNullable().defaultTo('[]'); // data-map datasets, <system>.<dataset>
    t.jsonb('datamap_models').notNullable().defaultTo('[]'); // data-map model names
    t.jsonb('personal_data_uses').notNullable().defaultTo('[]'); // trains | fine_tunes | grounds | prompts
    t.text('log_retention').notNullable().defaultTo('');
    t.text('human_oversight').notNullable().defaultTo('');
    t.text('affected_groups').notNullable().defaultTo('');
    t.jsonb('regions').notNullable().defaultTo('[]');
    t.date('go_live');
    t.jsonb('answers').notNullable().defaultTo('{}');
    t.jsonb('assessment').notNullable().defaultTo('{}'); // {dpia: {...}, fria: {...}}
    t.jsonb('classification'); // the rules' outcome (server/policies/ai-act.ts)
    t.text('tier'); // effective tier: the override when there is one, else the rules'
    t.text('role');
    t.jsonb('tier_override'); // {tier, justification, by, at}
    t.text('bundle_hash');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('next_review_at', { useTz: true });
    t.text('created_by').notNullable();
    t.text('submitted_by');
    t.timestamp('submitted_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status']);
    t.index(['created_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_cases');
}
