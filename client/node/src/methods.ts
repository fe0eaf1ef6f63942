/**
 * The SQL of every call: exactly one parameterised, schema-qualified
 * statement per sink method, the same statements as client/src/methods.c,
 * with the parameter types as casts (node-postgres sends untyped parameters).
 * `idempotent` is the C library's retry flag: only those are repeated once on
 * a fresh connection after the connection was lost during the call.
 */

/** One method's statement. */
export interface MethodSql {
  /** Sink method name (as in git-proxy's Sink, or "session.*"). */
  readonly name: string;
  /** The statement. */
  readonly text: string;
  /** Safe to repeat after a lost connection. */
  readonly idempotent: boolean;
}

const m = (name: string, text: string, idempotent: boolean): MethodSql => ({ name, text, idempotent });

/** Statements by key. */
export const METHODS = {
  writeAudit: m('writeAudit', 'SELECT gitproxy.write_audit($1::pg_catalog.json)', true),
  getPush: m('getPush', 'SELECT gitproxy.get_push($1::pg_catalog.text) AS v', true),
  deletePush: m('deletePush', 'SELECT gitproxy.delete_push($1::pg_catalog.text)', true),
  authorise: m('authorise', 'SELECT gitproxy.authorise($1::pg_catalog.text, $2::pg_catalog.json) AS v', false),
  reject: m('reject', 'SELECT gitproxy.reject($1::pg_catalog.text, $2::pg_catalog.json) AS v', false),
  cancel: m('cancel', 'SELECT gitproxy.cancel($1::pg_catalog.text) AS v', false),
  getPushes: m('getPushes',
    'SELECT p.push, p.cursor FROM gitproxy.get_pushes($1::pg_catalog.json, $2::pg_catalog.int4, $3::pg_catalog.text, ' +
      '$4::pg_catalog.bool) AS p', true),
  getPushesForUserProfile: m('getPushesForUserProfile',
    'SELECT gitproxy.get_pushes_for_user_profile($1::pg_catalog.text[], $2::pg_catalog.text) AS v', true),
  getRepoPushRollupsByCanonicalUrl: m('getRepoPushRollupsByCanonicalUrl',
    'SELECT r.url, r.pending, r.approved, r.canceled, r.rejected, r.error, ' +
      'r.latest_push_at_ms, r.latest_pending_review_at_ms FROM gitproxy.get_repo_push_rollups() AS r', true),
  getRepos: m('getRepos', 'SELECT gitproxy.get_repos($1::pg_catalog.json) AS v', true),
  getRepo: m('getRepo', 'SELECT gitproxy.get_repo($1::pg_catalog.text) AS v', true),
  getRepoByUrl: m('getRepoByUrl', 'SELECT gitproxy.get_repo_by_url($1::pg_catalog.text) AS v', true),
  getRepoById: m('getRepoById', 'SELECT gitproxy.get_repo_by_id($1::pg_catalog.text) AS v', true),
  createRepo: m('createRepo', 'SELECT gitproxy.create_repo($1::pg_catalog.json) AS v', false),
  updateRepo: m('updateRepo', 'SELECT gitproxy.update_repo($1::pg_catalog.json)', true),
  deleteRepo: m('deleteRepo', 'SELECT gitproxy.delete_repo($1::pg_catalog.text)', true),
  addUserCanPush: m('addUserCanPush', 'SELECT gitproxy.add_user_can_push($1::pg_catalog.text, $2::pg_catalog.text)', true),
  addUserCanAuthorise: m('addUserCanAuthorise',
    'SELECT gitproxy.add_user_can_authorise($1::pg_catalog.text, $2::pg_catalog.text)', true),
  removeUserCanPush: m('removeUserCanPush',
    'SELECT gitproxy.remove_user_can_push($1::pg_catalog.text, $2::pg_catalog.text)', true),
  removeUserCanAuthorise: m('removeUserCanAuthorise',
    'SELECT gitproxy.remove_user_can_authorise($1::pg_catalog.text, $2::pg_catalog.text)', true),
  findUser: m('findUser', 'SELECT gitproxy.find_user($1::pg_catalog.text) AS v', true),
  findUserByEmail: m('findUserByEmail', 'SELECT gitproxy.find_user_by_email($1::pg_catalog.text) AS v', true),
  findUserByGitAccount: m('findUserByGitAccount', 'SELECT gitproxy.find_user_by_git_account($1::pg_catalog.text) AS v', true),
  findUserByOIDC: m('findUserByOIDC', 'SELECT gitproxy.find_user_by_oidc($1::pg_catalog.text) AS v', true),
  findUserBySSHKey: m('findUserBySSHKey', 'SELECT gitproxy.find_user_by_ssh_key($1::pg_catalog.text) AS v', true),
  getUsers: m('getUsers', 'SELECT gitproxy.get_users($1::pg_catalog.json) AS v', true),
  createUser: m('createUser', 'SELECT gitproxy.create_user($1::pg_catalog.json)', false),
  deleteUser: m('deleteUser', 'SELECT gitproxy.delete_user($1::pg_catalog.text)', true),
  updateUser: m('updateUser', 'SELECT gitproxy.update_user($1::pg_catalog.json)', true),
  addPublicKey: m('addPublicKey', 'SELECT gitproxy.add_public_key($1::pg_catalog.text, $2::pg_catalog.json)', false),
  removePublicKey: m('removePublicKey', 'SELECT gitproxy.remove_public_key($1::pg_catalog.text, $2::pg_catalog.text)', true),
  getPublicKeys: m('getPublicKeys', 'SELECT gitproxy.get_public_keys($1::pg_catalog.text) AS v', true),
  getAppliedMigrations: m('getAppliedMigrations', 'SELECT gitproxy.get_applied_migrations() AS v', true),
  recordMigration: m('recordMigration', 'SELECT gitproxy.record_migration($1::pg_catalog.text)', true),
  unrecordMigration: m('unrecordMigration', 'SELECT gitproxy.unrecord_migration($1::pg_catalog.text)', true),
  sessionGet: m('session.get', 'SELECT gitproxy.session_get($1::pg_catalog.text) AS v', true),
  sessionSet: m('session.set',
    'SELECT gitproxy.session_set($1::pg_catalog.text, $2::pg_catalog.json, $3::pg_catalog.timestamptz)', true),
  sessionTouch: m('session.touch', 'SELECT gitproxy.session_touch($1::pg_catalog.text, $2::pg_catalog.timestamptz)', true),
  sessionDestroy: m('session.destroy', 'SELECT gitproxy.session_destroy($1::pg_catalog.text)', true),
  sessionAll: m('session.all', 'SELECT s.sid, s.sess FROM gitproxy.session_all() AS s', true),
  sessionLength: m('session.length', 'SELECT gitproxy.session_length()::pg_catalog.text AS v', true),
  sessionClear: m('session.clear', 'SELECT gitproxy.session_clear()::pg_catalog.text AS v', true),
  sessionDestroyUser: m('session.destroyUser', 'SELECT gitproxy.session_destroy_user($1::pg_catalog.text)::pg_catalog.text AS v', true),
  sessionPrune: m('session.prune', 'SELECT gitproxy.session_prune($1::pg_catalog.int4)::pg_catalog.text AS v', true),
  health: m('health',
    "SELECT e.extversion, pg_catalog.current_setting('server_version') AS server_version " +
      "FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'gitproxy_sink'", true),
} as const;

/** Key of {@link METHODS}. */
export type MethodKey = keyof typeof METHODS;
