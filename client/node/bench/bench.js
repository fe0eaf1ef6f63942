#!/usr/bin/env node
'use strict';
// Benchmark of the package: every Sink method (and the session store's calls)
// at 1 and 8 concurrent callers, against `SELECT 1` and against the same SQL
// call made directly with pool.query on the same pool, in the same run.
// Reports p50/p99 latency (µs), ops/s and the ratios; the target is that each
// method's p50 is at most 20 µs above the direct pool.query p50.
//
//   node bench/bench.js             (PG* env names a cluster with the extension available)
//   BENCH_ITER=2000 BENCH_ROUNDS=10 BENCH_DB=gps_node_bench node bench/bench.js
const { performance } = require('node:perf_hooks');
const { Client } = require('pg');
const session = require('express-session');
const { createSink, METHODS } = require('..');

const ITER = Number(process.env.BENCH_ITER || 1000);
const DB = process.env.BENCH_DB || 'gps_node_bench';
const TARGET_US = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 10);

async function freshDb() {
  const a = new Client();
  await a.connect();
  await a.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await a.query(`CREATE DATABASE ${DB}`);
  await a.end();
  const b = new Client({ database: DB });
  await b.connect();
  await b.query('CREATE EXTENSION gitproxy_sink');
  await b.end();
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** Run fn(i) `iter` times with `callers` concurrent callers; latencies (µs), p50, p99 and ops/s. */
async function measure(fn, callers, iter) {
  const lat = new Float64Array(iter);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, async () => {
    for (;;) {
      const i = next++;
      if (i >= iter) return;
      const s = performance.now();
      await fn(i);
      lat[i] = (performance.now() - s) * 1000;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  const sorted = Array.from(lat).sort((x, y) => x - y);
  return { lat: sorted, p50: pct(sorted, 50), p99: pct(sorted, 99), ops: iter / secs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Sink and direct in alternating rounds (alternating which goes first), so
 * drift and other processes' load affect both alike.  p50/p99 over all
 * samples; ops/s the median of the rounds; Δp50 the median of the rounds'
 * paired differences (sink p50 - direct p50 of the same round).
 */
async function compare(c, callers) {
  const rounds = ROUNDS;
  const per = Math.max(1, Math.floor(ITER / rounds));
  const acc = { sink: [], direct: [] };
  await measure(c.sink, callers, Math.min(50, per));
  await measure(c.direct, callers, Math.min(50, per));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['direct', 'sink'] : ['sink', 'direct'];
    for (const k of order) acc[k].push(await measure((i) => c[k](r * per + i), callers, per));
  }
  const summary = (xs) => {
    const all = xs.flatMap((x) => Array.from(x.lat)).sort((a, b) => a - b);
    return { p50: pct(all, 50), p99: pct(all, 99), ops: median(xs.map((x) => x.ops)) };
  };
  return {
    sink: summary(acc.sink),
    direct: summary(acc.direct),
    delta: median(acc.sink.map((x, r) => x.p50 - acc.direct[r].p50)),
  };
}

async function main() {
  await freshDb();
  const sink = createSink({ database: DB, max: 8, session, sessionStore: { pruneIntervalMs: 0 } });
  await sink.ready();
  const store = sink.getSessionStore();
  const pool = sink.pool.pool;
  const q = (m, values) => pool.query(m.text, values);
  const J = JSON.stringify;
  let seq = 0; // unique names for the inserting methods, across warm-up, rounds and concurrencies
  const cb = (fn) => new Promise((res, rej) => fn((e, v) => (e ? rej(e) : res(v))));

  // data: 50 pushes, 20 repos, 20 users with a key, sessions
  const push = (id, ts) => ({ id, type: 'push', error: false, blocked: true, allowPush: false, authorised: false,
    canceled: false, rejected: false, url: `https://github.com/org/repo${ts % 20}.git`, userEmail: `u${ts % 20}@example.com`,
    timestamp: 1700000000000 + ts, steps: [{ stepName: 'parse', logs: ['line'] }] });
  for (let i = 0; i < 50; i++) await sink.writeAudit(push(`push-${i}`, i));
  const repoIds = [];
  for (let i = 0; i < 20; i++) {
    repoIds.push((await sink.createRepo({ project: 'org', name: `repo${i}`, url: `https://github.com/org/repo${i}.git` }))._id);
    await sink.createUser({ username: `user${i}`, email: `u${i}@example.com`, password: 'h', gitAccount: `g${i}`, admin: false,
      publicKeys: [{ key: `ssh-ed25519 KEY${i}`, name: 'k', addedAt: '2026-01-01T00:00:00.000Z', fingerprint: `SHA256:${i}` }] });
  }
  await sink.recordMigration('m1');
  const sess = { cookie: { originalMaxAge: 3600000, expires: new Date(Date.now() + 3600000).toISOString(), path: '/' },
    passport: { user: 'user1' } };
  await cb((f) => store.set('sid-bench', sess, f));
  const rid = repoIds[0];
  const key = (i) => ({ key: `ssh-ed25519 ADDED${i}`, name: 'n', addedAt: '2026-01-01T00:00:00.000Z', fingerprint: `SHA256:a${i}` });

  // name, sink call, direct call (the same statement and parameters through pool.query)
  const cases = [
    ['getPushes', () => sink.getPushes(), () => q(METHODS.getPushes, [null, null, null])],
    ['getPushesPage(limit 10)', () => sink.getPushesPage({}, { limit: 10 }), () => q(METHODS.getPushes, [J({}), 11, null])],
    ['getPushesForUserProfile', () => sink.getPushesForUserProfile(['u1@example.com'], 'user1'),
      () => q(METHODS.getPushesForUserProfile, [['u1@example.com'], 'user1'])],
    ['getRepoPushRollupsByCanonicalUrl', () => sink.getRepoPushRollupsByCanonicalUrl(), () => q(METHODS.getRepoPushRollupsByCanonicalUrl, [])],
    ['writeAudit', () => sink.writeAudit(push('push-w', 1)), () => q(METHODS.writeAudit, [J(push('push-w', 1))])],
    ['getPush', () => sink.getPush('push-1'), () => q(METHODS.getPush, ['push-1'])],
    ['deletePush', () => sink.deletePush('absent'), () => q(METHODS.deletePush, ['absent'])],
    ['authorise', () => sink.authorise('push-2', { note: 'ok' }), () => q(METHODS.authorise, ['push-2', J({ note: 'ok' })])],
    ['reject', () => sink.reject('push-3', { reason: 'no' }), () => q(METHODS.reject, ['push-3', J({ reason: 'no' })])],
    ['cancel', () => sink.cancel('push-4'), () => q(METHODS.cancel, ['push-4'])],
    ['getRepos', () => sink.getRepos({}), () => q(METHODS.getRepos, [J({})])],
    ['getRepo', () => sink.getRepo('repo1'), () => q(METHODS.getRepo, ['repo1'])],
    ['getRepoByUrl', () => sink.getRepoByUrl('https://github.com/org/repo1.git'), () => q(METHODS.getRepoByUrl, ['https://github.com/org/repo1.git'])],
    ['getRepoById', () => sink.getRepoById(rid), () => q(METHODS.getRepoById, [rid])],
    ['createRepo', () => { const i = seq++; return sink.createRepo({ project: 'p', name: `s${i}`, url: `https://h/s/${i}.git` }); },
      () => { const i = seq++; return q(METHODS.createRepo, [J({ project: 'p', name: `d${i}`, url: `https://h/d/${i}.git` })]); }],
    ['updateRepo', () => sink.updateRepo({ _id: rid, project: 'org2' }), () => q(METHODS.updateRepo, [J({ _id: rid, project: 'org2' })])],
    ['addUserCanPush', () => sink.addUserCanPush(rid, 'user1'), () => q(METHODS.addUserCanPush, [rid, 'user1'])],
    ['addUserCanAuthorise', () => sink.addUserCanAuthorise(rid, 'user1'), () => q(METHODS.addUserCanAuthorise, [rid, 'user1'])],
    ['removeUserCanPush', () => sink.removeUserCanPush(rid, 'nobody'), () => q(METHODS.removeUserCanPush, [rid, 'nobody'])],
    ['removeUserCanAuthorise', () => sink.removeUserCanAuthorise(rid, 'nobody'), () => q(METHODS.removeUserCanAuthorise, [rid, 'nobody'])],
    ['deleteRepo', () => sink.deleteRepo('ffffffffffffffffffffffff'), () => q(METHODS.deleteRepo, ['ffffffffffffffffffffffff'])],
    ['findUser', () => sink.findUser('user1'), () => q(METHODS.findUser, ['user1'])],
    ['findUserByEmail', () => sink.findUserByEmail('u1@example.com'), () => q(METHODS.findUserByEmail, ['u1@example.com'])],
    ['findUserByGitAccount', () => sink.findUserByGitAccount('g1'), () => q(METHODS.findUserByGitAccount, ['g1'])],
    ['findUserByOIDC', () => sink.findUserByOIDC('none'), () => q(METHODS.findUserByOIDC, ['none'])],
    ['findUserBySSHKey', () => sink.findUserBySSHKey('ssh-ed25519 KEY1'), () => q(METHODS.findUserBySSHKey, ['ssh-ed25519 KEY1'])],
    ['getUsers', () => sink.getUsers({}), () => q(METHODS.getUsers, [J({})])],
    ['createUser', () => { const i = seq++; return sink.createUser({ username: `su${i}`, email: `su${i}@x`, password: 'h', gitAccount: 'g', admin: false }); },
      () => { const i = seq++; return q(METHODS.createUser, [J({ username: `du${i}`, email: `du${i}@x`, password: 'h', gitAccount: 'g', admin: false })]); }],
    ['deleteUser', () => sink.deleteUser('absent'), () => q(METHODS.deleteUser, ['absent'])],
    ['updateUser', () => sink.updateUser({ username: 'user2', title: 't' }), () => q(METHODS.updateUser, [J({ username: 'user2', title: 't' })])],
    // keys spread over the same 20 users for both, so both see the same key counts
    ['addPublicKey', () => { const i = seq++; return sink.addPublicKey(`user${i % 20}`, key(`s${i}`)); },
      () => { const i = seq++; return q(METHODS.addPublicKey, [`user${i % 20}`, J(key(`d${i}`))]); }],
    ['removePublicKey', () => sink.removePublicKey('user5', 'SHA256:none'), () => q(METHODS.removePublicKey, ['user5', 'SHA256:none'])],
    ['getPublicKeys', () => sink.getPublicKeys('user1'), () => q(METHODS.getPublicKeys, ['user1'])],
    ['getAppliedMigrations', () => sink.getAppliedMigrations(), () => q(METHODS.getAppliedMigrations, [])],
    ['recordMigration', () => sink.recordMigration('m1'), () => q(METHODS.recordMigration, ['m1'])],
    ['unrecordMigration', () => sink.unrecordMigration('absent'), () => q(METHODS.unrecordMigration, ['absent'])],
    ['session get', () => cb((f) => store.get('sid-bench', f)), () => q(METHODS.sessionGet, ['sid-bench'])],
    ['session set', () => cb((f) => store.set('sid-bench', sess, f)), () => q(METHODS.sessionSet, ['sid-bench', J(sess), sess.cookie.expires])],
    ['session touch', () => cb((f) => store.touch('sid-bench', sess, f)), () => q(METHODS.sessionTouch, ['sid-bench', sess.cookie.expires])],
    ['session destroy', () => cb((f) => store.destroy('absent', f)), () => q(METHODS.sessionDestroy, ['absent'])],
    ['session length', () => cb((f) => store.length(f)), () => q(METHODS.sessionLength, [])],
    ['session all', () => cb((f) => store.all(f)), () => q(METHODS.sessionAll, [])],
  ].map(([name, s, d]) => ({ name, sink: s, direct: d }));

  const select1 = {};
  for (const callers of [1, 8]) {
    await measure(() => pool.query('SELECT 1'), callers, 200);
    select1[callers] = await measure(() => pool.query('SELECT 1'), callers, ITER);
  }
  const f = (x) => x.toFixed(0).padStart(6);
  const lines = [];
  lines.push(`gitproxy-sink benchmark: ${ITER} calls per method and concurrency in ${ROUNDS} alternating rounds, pool max 8, ` +
    `node ${process.version}, load average ${require('node:os').loadavg()[0].toFixed(2)}`);
  lines.push(`SELECT 1 via pool.query: 1 caller p50 ${select1[1].p50.toFixed(0)} µs, p99 ${select1[1].p99.toFixed(0)} µs, ` +
    `${select1[1].ops.toFixed(0)} ops/s; 8 callers p50 ${select1[8].p50.toFixed(0)} µs, ${select1[8].ops.toFixed(0)} ops/s`);
  lines.push('');
  lines.push('| method | c | p50 µs | p99 µs | ops/s | direct p50 µs | direct ops/s | Δp50 µs (paired) | p50 / SELECT 1 | target |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  let failed = 0;
  for (const c of cases) {
    for (const callers of [1, 8]) {
      const r = await compare(c, callers);
      const { delta } = r;
      const ok = delta <= TARGET_US;
      if (!ok) failed++;
      lines.push(`| ${c.name} | ${callers} | ${f(r.sink.p50)} | ${f(r.sink.p99)} | ${f(r.sink.ops)} | ${f(r.direct.p50)} | ` +
        `${f(r.direct.ops)} | ${delta.toFixed(1).padStart(6)} | ${(r.sink.p50 / select1[callers].p50).toFixed(2)} | ${ok ? 'ok' : 'MISSED'} |`);
    }
  }
  lines.push('');
  lines.push(`${cases.length} methods x 2 concurrencies; target (p50 at most ${TARGET_US} µs above direct pool.query): ` +
    `${cases.length * 2 - failed} met, ${failed} missed`);
  console.log(lines.join('\n'));
  await sink.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
