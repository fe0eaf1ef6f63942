'use strict';
// The express-session store: the Store API (get/set/touch/destroy/all/length/
// clear, destroyUser, prune, ready) and a real express app over real HTTP with
// a cookie jar (login, session kept across requests, logout everywhere).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const express = require('express');
const session = require('express-session');
const { createSink, createSessionStore, SinkError, ConfigurationError } = require('gitproxy-sink');
const { admin, freshDb } = require('./helpers');

const DB = 'gps_node_sessions';
let sink;
let store;

const call = (fn, ...args) => new Promise((resolve, reject) =>
  fn.call(store, ...args, (err, v) => (err ? reject(err) : resolve(v))));

test.before(async () => {
  await freshDb(DB);
  sink = createSink({ database: DB, session, sessionStore: { pruneIntervalMs: 0 } });
  store = sink.getSessionStore();
  await store.ready();
});
test.after(async () => { await sink.close(); });

const cookie = (ms) => ({ originalMaxAge: ms, expires: new Date(Date.now() + ms).toISOString(), httpOnly: true, path: '/' });

test('getSessionStore returns one store, a subclass of express-session\'s Store', () => {
  assert.equal(sink.getSessionStore(), store);
  assert.ok(store instanceof session.Store);
  assert.equal(typeof store.regenerate, 'function');
  assert.equal(typeof store.createSession, 'function');
});

test('getSessionStore without the express-session module throws, never returns undefined', async () => {
  const s = createSink({ database: DB });
  assert.throws(() => s.getSessionStore(), (e) => e instanceof ConfigurationError && /express-session/.test(e.message));
  await s.close();
});

test('set / get / touch / destroy', async () => {
  assert.equal(await call(store.get, 'absent'), null);
  const sess = { cookie: cookie(60000), passport: { user: 'alice' }, n: 1 };
  await call(store.set, 's1', sess);
  assert.deepEqual(await call(store.get, 's1'), sess);
  await call(store.set, 's1', { ...sess, n: 2 });
  assert.equal((await call(store.get, 's1')).n, 2);
  const later = { ...sess, cookie: cookie(3600000) };
  await call(store.touch, 's1', later);
  const a = await admin(DB);
  try {
    const { rows } = await a.query("SELECT expire > now() + interval '50 minutes' AS moved FROM gitproxy.sessions WHERE sid = 's1'");
    assert.equal(rows[0].moved, true);
  } finally { await a.end(); }
  await call(store.destroy, 's1');
  assert.equal(await call(store.get, 's1'), null);
  await call(store.destroy, 's1');
  await call(store.touch, 'absent', later); // silent, changes nothing
  assert.equal(await call(store.get, 'absent'), null);
});

test('expired sessions are invisible, pruned, not revived by touch', async () => {
  await call(store.set, 'old', { cookie: { ...cookie(1000), expires: new Date(Date.now() - 1000).toISOString() } });
  assert.equal(await call(store.get, 'old'), null);
  await call(store.touch, 'old', { cookie: cookie(60000) });
  assert.equal(await call(store.get, 'old'), null);
  assert.ok((await store.prune()) >= 1);
  const a = await admin(DB);
  try {
    const { rows } = await a.query("SELECT count(*)::int AS n FROM gitproxy.sessions WHERE sid = 'old'");
    assert.equal(rows[0].n, 0);
  } finally { await a.end(); }
});

test('all / length / clear / destroyUser', async () => {
  await call(store.clear);
  await call(store.set, 'a1', { cookie: cookie(60000), passport: { user: 'alice' } });
  await call(store.set, 'a2', { cookie: cookie(60000), passport: { user: 'alice' } });
  await call(store.set, 'b1', { cookie: cookie(60000), passport: { user: { username: 'bob' } } });
  assert.equal(await call(store.length), 3);
  const all = await call(store.all);
  assert.deepEqual(Object.keys(all).sort(), ['a1', 'a2', 'b1']);
  assert.equal(all.b1.passport.user.username, 'bob');
  assert.equal(await store.destroyUser('alice'), 2);
  assert.equal(await call(store.length), 1);
  assert.equal(await store.destroyUser('bob'), 1);
  await call(store.set, 'c1', { cookie: cookie(60000) });
  await call(store.clear);
  assert.equal(await call(store.length), 0);
});

test('pruning on an interval removes expired sessions', async () => {
  const s = createSessionStore(session, { sink, pruneIntervalMs: 50 });
  await call(store.set, 'exp', { cookie: { ...cookie(1000), expires: new Date(Date.now() - 5000).toISOString() } });
  const a = await admin(DB);
  try {
    const deadline = Date.now() + 5000;
    let n;
    do {
      await new Promise((r) => setTimeout(r, 50));
      n = (await a.query("SELECT count(*)::int AS n FROM gitproxy.sessions WHERE sid = 'exp'")).rows[0].n;
    } while (n > 0 && Date.now() < deadline);
    assert.equal(n, 0);
  } finally {
    await a.end();
    await s.close();
  }
});

test('database errors reach the callback, never "not found"', async () => {
  const s = createSessionStore(session, { host: '127.0.0.1', port: 1, database: DB, pruneIntervalMs: 0,
    connectionTimeoutMillis: 2000 });
  await assert.rejects(s.ready(), (e) => e instanceof SinkError && e.category === 'UNAVAILABLE');
  const err = await new Promise((resolve) => s.get('x', (e, v) => resolve(e ?? new Error(`answered ${v}`))));
  assert.ok(err instanceof SinkError && err.category === 'UNAVAILABLE', String(err));
  await s.close();
});

// a tiny cookie jar for real HTTP requests
function jarRequest(port, jar) {
  return (method, path) => new Promise((resolve, reject) => {
    const headers = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [kv] = c.split(';');
          const i = kv.indexOf('=');
          jar.set(kv.slice(0, i), kv.slice(i + 1));
        }
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('a real express app keeps, touches and ends sessions through the store', async () => {
  const app = express();
  app.use(session({ store, secret: 'test-secret', resave: false, saveUninitialized: false, rolling: false,
    cookie: { maxAge: 12 * 3600 * 1000 } }));
  app.post('/login/:user', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.passport = { user: req.params.user };
      req.session.views = 0;
      res.json({ ok: true });
    });
  });
  app.get('/me', (req, res) => {
    if (!req.session.passport) return res.status(401).json({ user: null });
    req.session.views += 1;
    res.json({ user: req.session.passport.user, views: req.session.views });
  });
  app.get('/peek', (req, res) => res.json({ user: req.session.passport?.user ?? null }));
  app.post('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.json({ ok: true }))));
  app.use((err, _req, res, _next) => res.status(500).json({ error: err.message }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = server.address().port;
  try {
    const alice = jarRequest(port, new Map());
    const alice2 = jarRequest(port, new Map());
    const bob = jarRequest(port, new Map());
    assert.equal((await alice('GET', '/me')).status, 401);
    assert.equal((await alice('POST', '/login/alice')).status, 200);
    assert.equal((await alice2('POST', '/login/alice')).status, 200);
    assert.equal((await bob('POST', '/login/bob')).status, 200);
    assert.deepEqual(JSON.parse((await alice('GET', '/me')).body), { user: 'alice', views: 1 });
    assert.deepEqual(JSON.parse((await alice('GET', '/me')).body), { user: 'alice', views: 2 });
    // unmodified session: resave false -> express-session calls touch
    assert.deepEqual(JSON.parse((await alice('GET', '/peek')).body), { user: 'alice' });
    assert.equal(await call(store.length), 3);
    // log alice out everywhere
    assert.equal(await store.destroyUser('alice'), 2);
    assert.equal((await alice('GET', '/me')).status, 401);
    assert.equal((await alice2('GET', '/me')).status, 401);
    assert.deepEqual(JSON.parse((await bob('GET', '/me')).body), { user: 'bob', views: 1 });
    assert.equal((await bob('POST', '/logout')).status, 200);
    assert.equal((await bob('GET', '/me')).status, 401);
    assert.equal(await call(store.length), 0);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('an app whose store database is down answers 500, not an anonymous session', async () => {
  const down = createSessionStore(session, { host: '127.0.0.1', port: 1, database: DB, pruneIntervalMs: 0,
    connectionTimeoutMillis: 2000 });
  const app = express();
  app.use(session({ store: down, secret: 's', resave: false, saveUninitialized: false }));
  app.get('/me', (req, res) => res.json({ user: req.session?.passport?.user ?? null }));
  app.use((err, _req, res, _next) => res.status(500).json({ error: err.message }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    // a validly signed session cookie (cookie-signature's format), so express-session asks the store
    const sig = require('node:crypto').createHmac('sha256', 's').update('abc').digest('base64').replace(/=+$/, '');
    const jar = new Map([['connect.sid', encodeURIComponent(`s:abc.${sig}`)]]);
    const r = await jarRequest(server.address().port, jar)('GET', '/me');
    assert.equal(r.status, 500);
    assert.match(JSON.parse(r.body).error, /could not connect/);
  } finally {
    await new Promise((r) => server.close(r));
    await down.close();
  }
});
