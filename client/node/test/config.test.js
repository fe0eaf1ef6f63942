'use strict';
// Where the package connects: precedence (options.connectionString, then
// GIT_PROXY_POSTGRES_CONNECTION_STRING, then PG*), URL/keyword parsing into
// discrete fields, TLS pass-through (sslmode, certificate files, ssl options)
// and a real TLS connection with a self-signed certificate when the test may
// turn TLS on in the throwaway cluster.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { createSink, resolveConnection, ConfigurationError, SinkError } = require('gitproxy-sink');
const { admin, freshDb } = require('./helpers');

const DB = 'gps_node_config';
const ENV = 'GIT_PROXY_POSTGRES_CONNECTION_STRING';

test.before(async () => { await freshDb(DB); });

test('precedence: options.connectionString, then the variable, then PG*', () => {
  const env = { [ENV]: 'postgresql://envuser@envhost:6000/envdb', PGHOST: 'pghost', PGDATABASE: 'pgdb', PGUSER: 'pguser' };
  let r = resolveConnection({ connectionString: 'postgresql://optuser@opthost:5999/optdb', env });
  assert.deepEqual([r.host, r.port, r.user, r.database, r.origin], ['opthost', 5999, 'optuser', 'optdb', 'options.connectionString']);
  r = resolveConnection({ env });
  assert.deepEqual([r.host, r.port, r.user, r.database, r.origin], ['envhost', 6000, 'envuser', 'envdb', ENV]);
  r = resolveConnection({ env: { PGHOST: 'pghost', PGPORT: '5434', PGDATABASE: 'pgdb', PGUSER: 'pguser' } });
  assert.deepEqual([r.host, r.port, r.user, r.database, r.origin], ['pghost', 5434, 'pguser', 'pgdb', 'PG* environment']);
  // a field missing from the string comes from PG*, as in libpq
  r = resolveConnection({ connectionString: 'postgresql://opthost/optdb', env });
  assert.equal(r.user, 'pguser');
});

test('no server named anywhere: a configuration error, never a guessed default', () => {
  for (const env of [{}, { PGUSER: 'x', PGPASSWORD: 'y' }, { [ENV]: '' }]) {
    assert.throws(() => resolveConnection({ env }), (e) => e instanceof ConfigurationError && e.category === 'INVALID_INPUT' &&
      /^No database configured/.test(e.message) && e.message.includes(ENV));
  }
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('PG') || k === ENV) delete process.env[k];
    assert.throws(() => createSink(), ConfigurationError);
  } finally {
    Object.assign(process.env, saved);
  }
});

test('URIs and keyword/value strings are parsed into discrete fields; explicit options win', () => {
  let r = resolveConnection({ connectionString: 'postgres://a%40b:p%3Ass@[::1]:5440/my%20db?application_name=app1', env: {} });
  assert.deepEqual([r.host, r.port, r.user, r.password, r.database, r.application_name], ['::1', 5440, 'a@b', 'p:ss', 'my db', 'app1']);
  r = resolveConnection({ connectionString: "host=/var/run/postgresql port=5441 dbname='a b' user=u password='it\\'s'", env: {} });
  assert.deepEqual([r.host, r.port, r.database, r.user, r.password], ['/var/run/postgresql', 5441, 'a b', 'u', "it's"]);
  r = resolveConnection({ connectionString: 'postgresql://%2Ftmp%2Fsock/db', env: {} });
  assert.equal(r.host, '/tmp/sock');
  const cb = async () => 'token';
  r = resolveConnection({ connectionString: 'postgresql://u:urlpass@h/db', password: cb, port: 7000, user: 'v', env: {} });
  assert.equal(r.password, cb);
  assert.deepEqual([r.port, r.user], [7000, 'v']);
  assert.equal(resolveConnection({ connectionString: 'postgresql://h/db', env: {} }).application_name, 'gitproxy-sink');
  assert.equal(resolveConnection({ connectionString: 'postgresql://h/db', applicationName: 'gp', env: {} }).application_name, 'gp');
  for (const bad of ['postgresql://h:99999/db', 'host=h bogus=1', 'host=h dbname', "host='h", 'postgresql://h/db?nope=1']) {
    assert.throws(() => resolveConnection({ connectionString: bad, env: {} }), ConfigurationError, bad);
  }
});

test('TLS: sslmode and certificate files with libpq meaning, ssl options merged over them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gps-node-tls-'));
  const ca = path.join(dir, 'root.crt');
  fs.writeFileSync(ca, 'CA-PEM');
  fs.writeFileSync(path.join(dir, 'c.crt'), 'CERT-PEM');
  fs.writeFileSync(path.join(dir, 'c.key'), 'KEY-PEM');
  const r = (q, extra = {}) => resolveConnection({ connectionString: `postgresql://h/db${q}`, env: {}, ...extra }).ssl;
  assert.equal(r(''), undefined);
  assert.equal(r('?sslmode=disable'), false);
  assert.deepEqual(r('?sslmode=require'), { rejectUnauthorized: false });
  assert.deepEqual(r('?sslmode=prefer'), { rejectUnauthorized: false });
  assert.deepEqual(r(`?sslmode=verify-full&sslrootcert=${ca}`), { ca: 'CA-PEM', rejectUnauthorized: true });
  const vca = r(`?sslmode=verify-ca&sslrootcert=${ca}`);
  assert.equal(vca.rejectUnauthorized, true);
  assert.equal(vca.checkServerIdentity(), undefined);
  const client = r(`?sslmode=verify-full&sslcert=${dir}/c.crt&sslkey=${dir}/c.key`);
  assert.deepEqual([client.cert, client.key, client.ca], ['CERT-PEM', 'KEY-PEM', undefined]);
  // the pitfall of node-postgres: sslmode in the URL must not drop the ssl options' CA
  assert.deepEqual(r('?sslmode=verify-full', { ssl: { ca: 'OPT-CA', servername: 'db.example' } }),
    { rejectUnauthorized: true, ca: 'OPT-CA', servername: 'db.example' });
  assert.equal(r('?sslmode=require', { ssl: false }), false);
  assert.deepEqual(resolveConnection({ env: { PGHOST: 'h', PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca } }).ssl,
    { ca: 'CA-PEM', rejectUnauthorized: true });
  assert.throws(() => r('?sslmode=sometimes'), ConfigurationError);
  assert.throws(() => r('?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt'), (e) => e instanceof ConfigurationError &&
    e.message.includes('/nonexistent/ca.crt'));
});

test('the GIT_PROXY_POSTGRES_CONNECTION_STRING variable and options.connectionString reach the server', async () => {
  const { PGHOST, PGPORT, PGUSER, PGPASSWORD } = process.env;
  const url = (db) => `postgresql://${encodeURIComponent(PGUSER)}:${encodeURIComponent(PGPASSWORD)}@${PGHOST}:${PGPORT}/${db}`;
  const saved = process.env[ENV];
  process.env[ENV] = url(DB);
  try {
    const s = createSink();
    assert.equal((await s.pool.pool.query('SELECT pg_catalog.current_database() AS d')).rows[0].d, DB);
    await s.close();
    await freshDb('gps_node_config2');
    const t = createSink({ connectionString: url('gps_node_config2') });
    assert.equal((await t.pool.pool.query('SELECT pg_catalog.current_database() AS d')).rows[0].d, 'gps_node_config2');
    await t.close();
  } finally {
    if (saved === undefined) delete process.env[ENV]; else process.env[ENV] = saved;
  }
});

function canEnableTls() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return process.getuid && process.getuid() === 0;
  } catch {
    return false;
  }
}

test('TLS end to end with a self-signed server certificate (verify-full, wrong CA refused)', { skip: !canEnableTls() && 'needs root and openssl to give the test server a certificate' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gps-node-srv-'));
  const crt = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  const other = path.join(dir, 'other.crt');
  const gen = (c, k, cn) => execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', k, '-out', c], { stdio: 'ignore' });
  gen(crt, key, 'localhost');
  gen(other, path.join(dir, 'other.key'), 'someone-else');
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(key, 0o600);
  execFileSync('chown', ['postgres', key, crt]);
  const a = await admin();
  try {
    await a.query(`ALTER SYSTEM SET ssl_cert_file = '${crt}'`);
    await a.query(`ALTER SYSTEM SET ssl_key_file = '${key}'`);
    await a.query("ALTER SYSTEM SET ssl = 'on'");
    await a.query('SELECT pg_catalog.pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 300));
    const host = 'localhost';
    const s = createSink({ host, database: DB, ssl: { ca: fs.readFileSync(crt, 'utf8') } });
    // options.ssl alone (no sslmode): TLS with verification
    const row = (await s.pool.pool.query('SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()')).rows[0];
    assert.equal(row.ssl, true);
    await s.close();
    const { PGUSER, PGPASSWORD, PGPORT } = process.env;
    const base = `postgresql://${PGUSER}:${PGPASSWORD}@${host}:${PGPORT}/${DB}`;
    const full = createSink({ connectionString: `${base}?sslmode=verify-full&sslrootcert=${crt}` });
    await full.ready();
    assert.equal((await full.pool.pool.query('SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()')).rows[0].ssl, true);
    await full.close();
    const wrong = createSink({ connectionString: `${base}?sslmode=verify-full&sslrootcert=${other}`, connectionTimeoutMillis: 3000 });
    await assert.rejects(wrong.ready(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' && /certificate/i.test(e.message));
    await wrong.close();
    const off = createSink({ connectionString: `${base}?sslmode=disable` });
    assert.equal((await off.pool.pool.query('SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()')).rows[0].ssl, false);
    await off.close();
  } finally {
    await a.query('ALTER SYSTEM RESET ssl');
    await a.query('ALTER SYSTEM RESET ssl_cert_file');
    await a.query('ALTER SYSTEM RESET ssl_key_file');
    await a.query('SELECT pg_catalog.pg_reload_conf()');
    await a.end();
  }
});

test('without TLS on the server, sslmode=require reaches node-postgres and is refused', async () => {
  const a = await admin();
  const on = (await a.query('SHOW ssl')).rows[0].ssl === 'on';
  await a.end();
  if (on) return; // covered by the end-to-end test
  const { PGUSER, PGPASSWORD, PGPORT } = process.env;
  const s = createSink({ connectionString: `postgresql://${PGUSER}:${PGPASSWORD}@127.0.0.1:${PGPORT}/${DB}?sslmode=require` });
  await assert.rejects(s.ready(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE' && /does not support SSL/.test(e.message));
  await s.close();
});
