// The shared erasure scenario (scenario.ts) as files (issue 20): the same people, policy, exemption
// and legal hold, written as CSV (quoted fields, CRLF, a field over two lines), JSONL (spacing, a
// blank line, keys in any order, no last newline) and a Parquet snapshot. Files have no foreign keys,
// so a dataset that hangs off customers in the tables (orders, order lines) carries the customer id
// itself as an identity column; the composite keys (order lines, tickets) stay.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DataMap, DataSystem, SourceRef } from '../../server/policies/types';
import { col, ds } from '../fixtures/demo-datamap';
import { SUBJECT } from './scenario';

const source: SourceRef = { file: 'test/engines/files-scenario.ts', line: 1, column: 1 };
const ops = ['system.operations'];

export const FILES: Record<string, string> = {
  'customers/customers.csv': [
    'id,email,phone,name\r\n',
    `1,${SUBJECT.email},${SUBJECT.phone},${SUBJECT.name}\r\n`,
    '2,bo.chan@example.com,+447700900456,"Chan, Bo"\r\n',
    '3,joann.lee@example.com,,"Joann ""Jo"" Lee\nsecond line"\r\n',
    '4,ANN.LEE@example.com.au,+61400000000,Ann Lee\r\n',
  ].join(''),
  'contacts/contacts.jsonl': [
    `{"id": 10, "phone": "+44 7700 900123", "alt_email": null, "email": null, "note": "found by phone only, written another way"}\n`,
    `{"alt_email":"${SUBJECT.alt}","id":11,"note":"found by the alternative address only","phone":null,"email":null}\n`,
    '\n',
    '{"id":12,"phone":"+447700900456","alt_email":"bo@example.net","email":"bo.chan@example.com","note":"Bo"}\n',
    '{"id":13,"phone":null,"alt_email":"Ann.L@example.org.uk","email":null,"note":"a look-alike"}\n',
    `{"id":14,"phone":null,"alt_email":"${SUBJECT.alt}","email":"${SUBJECT.email}","note":"links the main address to the alternative one"}`,
  ].join(''),
  'order_lines/lines.csv': [
    'order_id,line_no,customer_id,product\n',
    '100,1,1,tea\n',
    '100,2,1,cups\n',
    '101,1,1,kettle\n',
    '102,1,2,"tea, green"\n',
    '103,1,4,mugs\n',
  ].join(''),
  'support/tickets.jsonl': [
    `{"queue":"billing","ticket_no":1,"requester_email":"${SUBJECT.email}","cc_email":null,"subject":"refund please"}\n`,
    `{"queue":"support","ticket_no":1,"requester_email":"${SUBJECT.alt}","cc_email":"bo.chan@example.com","subject":"broken kettle"}\n`,
    `{"queue":"support","ticket_no":2,"requester_email":"bo.chan@example.com","cc_email":"${SUBJECT.email}","subject":"order 102"}\n`,
  ].join(''),
  'logs/events.jsonl': [
    `{"id":1000,"email":"${SUBJECT.email}","token":"${SUBJECT.token}","ip":"203.0.113.7","kind":"login"}\n`,
    `{"id":1001,"email":"${SUBJECT.alt}","token":"${SUBJECT.token}","ip":"203.0.113.8","kind":"purchase"}\n`,
    '{"id":1002,  "email":"bo.chan@example.com","token":"tok-bo","ip":"198.51.100.1","kind":"login"}\n',
  ].join(''),
  'notes/notes.csv': [
    'id,author_email,body\n',
    `1,${SUBJECT.email},my own note\n`,
    `2,bo.chan@example.com,"Called ${SUBJECT.email} about order 100; joann.lee@example.com too."\n`,
    '3,bo.chan@example.com,Nothing about anyone (joann.lee@example.com).\n',
  ].join(''),
};

export const ORDERS = [
  { id: 100, customer_id: 1, billing_name: SUBJECT.name, total: 12.5, placed_at: '2025-06-01 10:00:00' },
  { id: 101, customer_id: 1, billing_name: SUBJECT.name, total: 99.0, placed_at: '2012-01-15 09:30:00' },
  { id: 102, customer_id: 2, billing_name: 'Bo Chan', total: 5.0, placed_at: '2025-07-01 12:00:00' },
  { id: 103, customer_id: 4, billing_name: 'Ann Lee', total: 7.0, placed_at: '2024-01-01 08:00:00' },
];

/** Writes the scenario's files under `root` (the Parquet snapshot through DuckDB). */
export async function createFilesScenario(root: string): Promise<void> {
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  await writeOrders(root, ORDERS);
}

/** The orders snapshot (`sales/orders/2026-11.parquet`) written through DuckDB, in id order. */
export async function writeOrders(root: string, orders: typeof ORDERS): Promise<void> {
  fs.mkdirSync(path.join(root, 'sales/orders'), { recursive: true });
  const json = path.join(root, 'orders.tmp.json');
  fs.writeFileSync(json, orders.map((o) => JSON.stringify(o)).join('\n') + '\n');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(
    `COPY (SELECT id::BIGINT AS id, customer_id::BIGINT AS customer_id, billing_name::VARCHAR AS billing_name, total::DECIMAL(10,2) AS total, placed_at::TIMESTAMP AS placed_at FROM read_json('${json}', format = 'newline_delimited') ORDER BY id) TO '${path.join(root, 'sales/orders/2026-11.parquet')}' (FORMAT parquet)`,
  );
  db.closeSync();
  instance.closeSync();
  fs.rmSync(json);
}

const files = (glob: string, format: 'csv' | 'jsonl' | 'parquet') => ({ files: { glob, format } });

export function filesSystem(): DataSystem {
  return {
    name: 'shop',
    description: 'the scenario shop, as files',
    connectionEnv: 'SHOP_FILES_DIR',
    engine: 'files',
    models: [],
    source,
    datasets: [
      {
        ...ds('customers', [
          col('id', ['user.unique_id'], 'customer_id'),
          col('email', ['user.contact.email'], 'email'),
          col('phone', ['user.contact.phone_number'], 'phone'),
          col('name', ['user.name']),
        ]),
        ...files('customers/customers.csv', 'csv'),
      },
      {
        ...ds('contacts', [
          col('id', ops),
          col('phone', ['user.contact.phone_number'], 'phone'),
          col('alt_email', ['user.contact.email'], 'email'),
          col('email', ['user.contact.email'], 'email'),
          col('note', ['user.content']),
        ]),
        ...files('contacts/*.jsonl', 'jsonl'),
      },
      {
        ...ds('orders', [
          col('id', ops),
          col('customer_id', ['user.unique_id'], 'customer_id'),
          col('billing_name', ['user.name']),
          col('total', ['user.financial']),
          col('placed_at', ops),
        ]),
        ...files('sales/orders/*.parquet', 'parquet'),
      },
      {
        ...ds(
          'order_lines',
          [
            col('order_id', ops),
            col('line_no', ops),
            col('customer_id', ['user.unique_id'], 'customer_id'),
            col('product', ['user.behavior.purchase']),
          ],
          { primaryKey: ['order_id', 'line_no'] },
        ),
        ...files('order_lines/lines.csv', 'csv'),
      },
      {
        ...ds(
          'tickets',
          [
            col('queue', ops),
            col('ticket_no', ops),
            col('requester_email', ['user.contact.email'], 'email'),
            { name: 'cc_email', categories: ['user.contact.email'], mentions: 'email' },
            col('subject', ['user.content']),
          ],
          { primaryKey: ['queue', 'ticket_no'] },
        ),
        ...files('support/tickets.jsonl', 'jsonl'),
      },
      {
        ...ds('events', [
          col('id', ops),
          col('email', ['user.contact.email'], 'email'),
          col('token', ['user.unique_id.pseudonymous']),
          col('ip', ['user.device.ip_address']),
          col('kind', ops),
        ]),
        ...files('logs/events.jsonl', 'jsonl'),
      },
      {
        ...ds('notes', [
          col('id', ops),
          col('author_email', ['user.contact.email'], 'email'),
          col('body', ['user.content']),
        ]),
        ...files('notes/notes.csv', 'csv'),
      },
    ],
  };
}

export const filesMap = (): DataMap => ({ systems: [filesSystem()] });
