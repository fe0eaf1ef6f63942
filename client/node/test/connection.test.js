'use strict';
// Connection life cycle: per-connection set-up, the extension version check,
// ready() against a closed port, the password callback, pool 'error' events,
// recovery after a server restart, the retry policy and close().
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { createSink, SinkError } = require('gitproxy-sink');
const { admin, freshDb, waitFor } = require('./helpers');

const DB = 'gps_node_conn';

test.before(async () => { await freshDb(DB); });

test('each connection gets an empty search_path, application_name, statement_timeout 30 s, lock_timeout 5 s', async () => {
  const s = createSink({ database: DB });
  const q = "SELECT pg_catalog.current_setting('search_path') AS sp, pg_catalog.current_setting('application_name') AS app, " +
    "pg_catalog.current_setting('statement_timeout') AS st, pg_catalog.current_setting('lock_timeout') AS lt";
  assert.deepEqual((await s.pool.pool.query(q)).rows[0], { sp: '', app: 'gitproxy-sink', st: '30s', lt: '5s' });
  await s.close();
  const t = createSink({ database: DB, applicationName: 'gp-test', statementTimeoutMillis: 1500, lockTimeoutMillis: 0 });
  assert.deepEqual((await t.pool.pool.query(q)).rows[0], { sp: '', app: 'gp-test', st: '1500ms', lt: '0' });
  await assert.rejects(t.pool.pool.query('SELECT pg_catalog.pg_sleep(3)'), (e) => e.code === '57014');
  await t.close();
});

test('a missing extension or an older version is refused with the command to run', async () => {
  await freshDb('gps_node_noext', { extension: false });
  const s = createSink({ database: 'gps_node_noext' });
  await assert.rejects(s.ready(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' &&
    e.message.includes('CREATE EXTENSION gitproxy_sink') && e.message.includes('gps_node_noext'));
  await assert.rejects(s.findUser('x'), (e) => e.message.includes('CREATE EXTENSION gitproxy_sink'));
  const h = await s.health();
  assert.equal(h.status, 'unavailable');
  assert.match(h.error, /CREATE EXTENSION gitproxy_sink/);
  await s.close();

  await freshDb('gps_node_oldext', { version: '1.0' });
  const o = createSink({ database: 'gps_node_oldext' });
  await assert.rejects(o.ready(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' &&
    /version 1\.0 .* older than version 1\.1/.test(e.message) && e.message.includes('ALTER EXTENSION gitproxy_sink UPDATE'));
  const a = await admin('gps_node_oldext');
  await a.query('ALTER EXTENSION gitproxy_sink UPDATE');
  await a.end();
  await o.ready();
  await o.close();
});

test('ready() against a stopped server (closed port) rejects with the reason', async () => {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  const s = createSink({ host: '127.0.0.1', port, database: DB, connectionTimeoutMillis: 3000 });
  const t0 = Date.now();
  await assert.rejects(s.ready(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' && e.code === '' &&
    /could not connect to the database/.test(e.message) && /ECONNREFUSED/.test(e.message));
  assert.ok(Date.now() - t0 < 3000);
  const h = await s.health();
  assert.equal(h.status, 'unavailable');
  await s.close();
});

test('the password callback runs for each new connection and may change in between', async () => {
  const a = await admin(DB);
  await a.query('DROP ROLE IF EXISTS gps_node_pw');
  await a.query("CREATE ROLE gps_node_pw LOGIN PASSWORD 'first-secret'");
  await a.query("SELECT gitproxy.grant_runtime('gps_node_pw')");
  let current = 'first-secret';
  let calls = 0;
  const { PGHOST, PGPORT } = process.env;
  // a password in the URL must not override the callback
  const s = createSink({
    connectionString: `postgresql://gps_node_pw:wrong-in-url@${PGHOST}:${PGPORT}/${DB}`,
    password: async () => { calls++; return current; },
    max: 1,
  });
  try {
    await s.recordMigration('pw-1');
    assert.equal(calls, 1);
    await a.query("ALTER ROLE gps_node_pw PASSWORD 'second-secret'");
    current = 'second-secret';
    await a.query("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = 'gps_node_pw'");
    await waitFor(async () => s.poolFigures().total === 0, 5000, 'the terminated connection to leave the pool');
    assert.deepEqual(await s.getAppliedMigrations(), ['pw-1']);
    assert.equal(calls, 2);
    // a stale password now fails to connect
    current = 'first-secret';
    await a.query("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = 'gps_node_pw'");
    await waitFor(async () => s.poolFigures().total === 0, 5000, 'the terminated connection to leave the pool');
    await assert.rejects(s.getAppliedMigrations(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' &&
      /password authentication failed/.test(e.message));
  } finally {
    await s.close();
    await a.query("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = 'gps_node_pw'");
    await a.query('DROP OWNED BY gps_node_pw');
    await a.query('DROP ROLE gps_node_pw');
    await a.end();
  }
});

async function terminate(a, app) {
  const { rows } = await a.query('SELECT pg_catalog.pg_terminate_backend(pid) AS t FROM pg_catalog.pg_stat_activity ' +
    'WHERE application_name = $1 AND pid <> pg_catalog.pg_backend_pid()', [app]);
  return rows.length;
}

test('idle connections killed behind the pool\'s back: pool error events are logged, the process survives, calls recover', async () => {
  const logs = [];
  const s = createSink({ database: DB, applicationName: 'gps-node-kill', log: (lvl, msg) => logs.push([lvl, msg]) });
  await Promise.all(Array.from({ length: 4 }, () => s.getUsers({})));
  assert.ok(s.poolFigures().total >= 2);
  const a = await admin(DB);
  try {
    assert.ok((await terminate(a, 'gps-node-kill')) >= 2);
    await waitFor(() => logs.some(([lvl, m]) => lvl === 'warning' && /idle connection failed/.test(m)), 5000, 'a logged pool error');
    assert.deepEqual(await s.getUsers({ username: 'nobody' }), []);
  } finally {
    await a.end();
    await s.close();
  }
});

function clusterName() {
  try {
    const out = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const [ver, name, port, status] = line.trim().split(/\s+/);
      if (port === process.env.PGPORT && status.startsWith('online')) return [ver, name];
    }
  } catch { /* not a Debian cluster */ }
  return null;
}

test('recovery after a server restart mid-run', async () => {
  const s = createSink({ database: DB, applicationName: 'gps-node-restart' });
  await s.recordMigration('before-restart');
  await Promise.all(Array.from({ length: 3 }, () => s.getAppliedMigrations()));
  const cluster = clusterName();
  if (cluster) {
    // a real restart of the throwaway cluster (pg_virtualenv's) while the pool holds idle connections
    execFileSync('pg_ctlcluster', [cluster[0], cluster[1], 'restart', '-m', 'fast'], { stdio: 'ignore' });
  } else {
    // stand-in where the cluster cannot be restarted: end every backend of the pool
    const a = await admin(DB);
    await terminate(a, 'gps-node-restart');
    await a.end();
  }
  assert.ok((await s.getAppliedMigrations()).includes('before-restart'));
  await s.recordMigration('after-restart');
  assert.ok((await s.getAppliedMigrations()).includes('after-restart'));
  const h = await s.health();
  assert.equal(h.status, 'ok');
  await s.close();
});

async function blockedCall(a, app, lockSql, call) {
  await a.query('BEGIN');
  await a.query(lockSql);
  const p = call();
  p.catch(() => {});
  await waitFor(async () => (await a.query("SELECT 1 FROM pg_catalog.pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [app])).rows.length > 0,
    5000, 'the call to wait for the lock');
  return { p }; // wrapped: an async function returning p would wait for it
}

test('a lost connection: idempotent calls retried once, non-idempotent ones are not', async () => {
  const app = 'gps-node-retry';
  const s = createSink({ database: DB, applicationName: app, max: 2 });
  await s.ready();
  const a = await admin(DB);
  const killer = await admin(DB);
  try {
    // createUser is not idempotent: the caller learns it was not retried
    const { p: create } = await blockedCall(a, app, 'LOCK TABLE gitproxy.users IN ACCESS EXCLUSIVE MODE', () =>
      s.createUser({ username: 'retry-user', email: 'r@example.com', password: 'x', gitAccount: 'r', admin: false }));
    assert.ok((await terminate(killer, app)) >= 1);
    await assert.rejects(create, (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' &&
      /lost during createUser; it is not retried/.test(e.message));
    await a.query('COMMIT');
    assert.equal(await s.findUser('retry-user'), null);
    assert.equal(s.poolFigures().retries, 0);

    // getUsers is idempotent: retried on a fresh connection, it then succeeds
    const { p: list } = await blockedCall(a, app, 'LOCK TABLE gitproxy.users IN ACCESS EXCLUSIVE MODE', () => s.getUsers({}));
    assert.ok((await terminate(killer, app)) >= 1);
    await waitFor(async () => s.poolFigures().retries === 1, 5000, 'the retry');
    await a.query('COMMIT');
    assert.deepEqual(await list, []);

    // authorise (not idempotent) on a killed connection
    await s.writeAudit({ id: 'retry-push', type: 'push' });
    const { p: auth } = await blockedCall(a, app, 'LOCK TABLE gitproxy.pushes IN ACCESS EXCLUSIVE MODE', () => s.authorise('retry-push', null));
    assert.ok((await terminate(killer, app)) >= 1);
    await assert.rejects(auth, /lost during authorise; it is not retried/);
    await a.query('COMMIT');
    assert.equal(s.poolFigures().retries, 1);
  } finally {
    await a.end();
    await killer.end();
    await s.close();
  }
});

test('close() ends the pool, may be called twice; later calls fail clearly', async () => {
  const s = createSink({ database: DB });
  await s.ready();
  await s.close();
  await s.close();
  await assert.rejects(s.findUser('x'), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' && /closed/.test(e.message));
});

test('bad pool settings are configuration errors', () => {
  for (const o of [{ max: 0 }, { max: 1.5 }, { connectionTimeoutMillis: 0 }, { idleTimeoutMillis: -1 }, { statementTimeoutMillis: NaN }]) {
    assert.throws(() => createSink({ database: DB, ...o }), (e) => e.name === 'ConfigurationError', JSON.stringify(o));
  }
});
