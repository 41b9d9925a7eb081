import knexFactory, { type Knex } from 'knex';

export type Db = Knex;

export function createDb(url: string, poolMax = 10): Db {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
  });
}
