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
import * as m20261130100000 from './20261130100000_audit_log_key_id';
import * as m20261130100100 from './20261130100100_create_audit_chain_start';
import * as m20261130100200 from './20261130100200_create_audit_checkpoints';
import * as m20261130100300 from './20261130100300_request_artifacts_audit_head';
import * as m20261130100400 from './20261130100400_create_anon_rate_limit';
import * as m20261130100500 from './20261130100500_requests_closed_without_identity';
import * as m20261201100000 from './20261201100000_create_policy_active';
import * as m20261201100100 from './20261201100100_create_policy_processes';
import * as m20261201100200 from './20261201100200_api_tokens_personal';
import * as m20261201100300 from './20261201100300_create_invitations';
import * as m20261201100400 from './20261201100400_create_role_changes';
import * as m20261201100500 from './20261201100500_create_policy_activation_requests';
import * as m20261201120000 from './20261201120000_reid_results_generalized';
import * as m20261201150000 from './20261201150000_create_use_cases';
import * as m20261201150100 from './20261201150100_create_use_case_versions';
import * as m20261201150200 from './20261201150200_create_use_case_reviewers';
import * as m20261201150300 from './20261201150300_create_use_case_votes';
import * as m20261201150400 from './20261201150400_create_use_case_decisions';
import * as m20261201150500 from './20261201150500_create_use_case_conditions';
import * as m20261201150600 from './20261201150600_create_use_case_triggers';
import * as m20261201150700 from './20261201150700_create_board_packets';
import * as m20261201170000 from './20261201170000_create_consent_events';
import * as m20261201170100 from './20261201170100_create_do_not_train';
import * as m20261201170200 from './20261201170200_create_dataset_versions';
import * as m20261201170300 from './20261201170300_create_snapshot_exclusions';
import * as m20261201170400 from './20261201170400_create_bias_checks';
import * as m20261201090000 from './20261201090000_create_request_held_rows';
import * as m20261201090100 from './20261201090100_requests_part_held_without_identity';
import * as m20261201090200 from './20261201090200_request_held_rows_mentions';
import * as m20261201090300 from './20261201090300_requests_subject_values';
import * as m20261201140000 from './20261201140000_create_reports';
import * as m20261201140100 from './20261201140100_create_report_signing_keys';
import * as m20261202080000 from './20261202080000_requests_shared_decisions';
import * as m20261202500001 from './20261202500001_list_indexes';
import * as m20261202700001 from './20261202700001_create_anonymization_runs';
import * as m20261202700002 from './20261202700002_create_pseudonym_keys';
import * as m20261202600001 from './20261202600001_create_audit_runs';
import * as m20261202600002 from './20261202600002_create_findings';
import * as m20261203100000 from './20261203100000_requests_assignee';
import * as m20261203100100 from './20261203100100_create_request_notes';
import * as m20261203100200 from './20261203100200_requests_reference_index';
import * as m20261203200000 from './20261203200000_requests_no_data_without_identity';
import * as m20261203200100 from './20261203200100_ai_artefact_flags_resolution';
import * as m20261203500000 from './20261203500000_create_alert_deliveries';
import * as m20261203500100 from './20261203500100_create_officer_notices';
import * as m20261203300000 from './20261203300000_create_privacy_center_submissions';
import * as m20261203300001 from './20261203300001_create_subject_contacts';
import * as m20261204100000 from './20261204100000_request_artefacts_spelling';
import * as m20261204200000 from './20261204200000_add_audit_run_alert_intents';
import * as m20261205100000 from './20261205100000_requests_keyset_indexes';
import * as m20261205100001 from './20261205100001_audit_log_target_index';
import * as m20261206100000 from './20261206100000_create_policy_bundle_cache';
import * as m20261207100000 from './20261207100000_requests_filter_index';

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
  m('20261130100000_audit_log_key_id', m20261130100000),
  m('20261130100100_create_audit_chain_start', m20261130100100),
  m('20261130100200_create_audit_checkpoints', m20261130100200),
  m('20261130100300_request_artifacts_audit_head', m20261130100300),
  m('20261130100400_create_anon_rate_limit', m20261130100400),
  m('20261130100500_requests_closed_without_identity', m20261130100500),
  m('20261201100000_create_policy_active', m20261201100000),
  m('20261201100100_create_policy_processes', m20261201100100),
  m('20261201100200_api_tokens_personal', m20261201100200),
  m('20261201100300_create_invitations', m20261201100300),
  m('20261201100400_create_role_changes', m20261201100400),
  m('20261201100500_create_policy_activation_requests', m20261201100500),
  m('20261201120000_reid_results_generalized', m20261201120000),
  m('20261201150000_create_use_cases', m20261201150000),
  m('20261201150100_create_use_case_versions', m20261201150100),
  m('20261201150200_create_use_case_reviewers', m20261201150200),
  m('20261201150300_create_use_case_votes', m20261201150300),
  m('20261201150400_create_use_case_decisions', m20261201150400),
  m('20261201150500_create_use_case_conditions', m20261201150500),
  m('20261201150600_create_use_case_triggers', m20261201150600),
  m('20261201150700_create_board_packets', m20261201150700),
  m('20261201170000_create_consent_events', m20261201170000),
  m('20261201170100_create_do_not_train', m20261201170100),
  m('20261201170200_create_dataset_versions', m20261201170200),
  m('20261201170300_create_snapshot_exclusions', m20261201170300),
  m('20261201170400_create_bias_checks', m20261201170400),
  m('20261201090000_create_request_held_rows', m20261201090000),
  m('20261201090100_requests_part_held_without_identity', m20261201090100),
  m('20261201090200_request_held_rows_mentions', m20261201090200),
  m('20261201090300_requests_subject_values', m20261201090300),
  m('20261201140000_create_reports', m20261201140000),
  m('20261201140100_create_report_signing_keys', m20261201140100),
  m('20261202080000_requests_shared_decisions', m20261202080000),
  m('20261202500001_list_indexes', m20261202500001),
  m('20261202700001_create_anonymization_runs', m20261202700001),
  m('20261202700002_create_pseudonym_keys', m20261202700002),
  m('20261202600001_create_audit_runs', m20261202600001),
  m('20261202600002_create_findings', m20261202600002),
  m('20261203100000_requests_assignee', m20261203100000),
  m('20261203100100_create_request_notes', m20261203100100),
  m('20261203100200_requests_reference_index', m20261203100200),
  m('20261203200000_requests_no_data_without_identity', m20261203200000),
  m('20261203200100_ai_artefact_flags_resolution', m20261203200100),
  m('20261203500000_create_alert_deliveries', m20261203500000),
  m('20261203500100_create_officer_notices', m20261203500100),
  m('20261203300000_create_privacy_center_submissions', m20261203300000),
  m('20261203300001_create_subject_contacts', m20261203300001),
  m('20261204100000_request_artefacts_spelling', m20261204100000),
  m('20261204200000_add_audit_run_alert_intents', m20261204200000),
  m('20261205100000_requests_keyset_indexes', m20261205100000),
  m('20261205100001_audit_log_target_index', m20261205100001),
  m('20261206100000_create_policy_bundle_cache', m20261206100000),
  m('20261207100000_requests_filter_index', m20261207100000),
];
