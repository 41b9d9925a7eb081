// The ordered list of migrations. Add a new file and a line here; never edit a landed migration.
import type { Knex } from 'knex';
import * as m20261128110000 from './20261128110000_create_users';
import * as m20261128110100 from './20261128110100_create_sessions';
import * as m20261128110200 from './20261128110200_create_api_tokens';
import * as m20261128110300 from './20261128110300_create_audit_log';
import * as m20261128110400 from './20261128110400_audit_log_append_only';
import * as m20261128110500 from './20261128110500_create_policy_bundles';
import * as m20261128110600 from './20261128110600_create_login_throttle';
import * as m20261128110700 from './20261128110700_create_schedule_ticks';
import * as m20261128120000 from './20261128120000_create_requests';
import * as m20261128120100 from './20261128120100_create_request_steps';
import * as m20261128120200 from './20261128120200_create_request_artifacts';
import * as m20261128120300 from './20261128120300_create_ai_artefact_flags';
import * as m20261128120400 from './20261128120400_requests_discovered_identity';
import * as m20261128120500 from './20261128120500_requests_lease';
import * as m20261128130000 from './20261128130000_create_reid_runs';
import * as m20261128130100 from './20261128130100_create_reid_uploads';
import * as m20261128130200 from './20261128130200_create_datasets';
import * as m20261128140000 from './20261128140000_users_totp_last_step';
import * as m20261128150000 from './20261128150000_requests_acknowledged';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const m = (name: string, mod: Omit<Migration, 'name'>): Migration => ({ name, up: mod.up, down: mod.down });

export const migrations: Migration[] = [
  m('20261128110000_create_users', m20261128110000),
  m('20261128110100_create_sessions', m20261128110100),
  m('20261128110200_create_api_tokens', m20261128110200),
  m('20261128110300_create_audit_log', m20261128110300),
  m('20261128110400_audit_log_append_only', m20261128110400),
  m('20261128110500_create_policy_bundles', m20261128110500),
  m('20261128110600_create_login_throttle', m20261128110600),
  m('20261128110700_create_schedule_ticks', m20261128110700),
  m('20261128120000_create_requests', m20261128120000),
  m('20261128120100_create_request_steps', m20261128120100),
  m('20261128120200_create_request_artifacts', m20261128120200),
  m('20261128120300_create_ai_artefact_flags', m20261128120300),
  m('20261128120400_requests_discovered_identity', m20261128120400),
  m('20261128120500_requests_lease', m20261128120500),
  m('20261128130000_create_reid_runs', m20261128130000),
  m('20261128130100_create_reid_uploads', m20261128130100),
  m('20261128130200_create_datasets', m20261128130200),
  m('20261128140000_users_totp_last_step', m20261128140000),
  m('20261128150000_requests_acknowledged', m20261128150000),
];
