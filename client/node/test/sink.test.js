'use strict';
// Every member of git-proxy's Sink through createSink, with the contract's
// messages and shapes (../shared/spec/sink-contract.md §4).
const test = require('node:test');
const assert = require('node:assert/strict');
const { createSink, SinkError, DuplicateSSHKeyError, deriveCreatedAt } = require('gitproxy-sink');
const { admin, freshDb } = require('./helpers');

const DB = 'gps_node_sink';
let sink;

class Action { setAllowPush() { this.allowPush = true; } }
class Repo {}
class User {}

const push = (id, extra = {}) => ({
  id, type: 'push', error: false, blocked: true, allowPush: false, authorised: false, canceled: false,
  rejected: false, url: 'https://github.com/finos/git-proxy.git', userEmail: 'dev@example.com',
  timestamp: 1700000000000, steps: [{ stepName: 'parse', logs: ['a'] }], ...extra,
});

test.before(async () => {
  await freshDb(DB);
  sink = createSink({ database: DB, classes: { Action, Repo, User } });
  await sink.ready();
});
test.after(async () => { await sink.close(); });

test('the sink has all 37 members of git-proxy\'s Sink interface', () => {
  const members = ['getSessionStore', 'getRepoPushRollupsByCanonicalUrl', 'getPushes', 'getPushesForUserProfile',
    'writeAudit', 'getPush', 'deletePush', 'authorise', 'cancel', 'reject', 'getRepos', 'getRepo', 'getRepoByUrl',
    'getRepoById', 'createRepo', 'updateRepo', 'addUserCanPush', 'addUserCanAuthorise', 'removeUserCanPush',
    'removeUserCanAuthorise', 'deleteRepo', 'findUser', 'findUserByEmail', 'findUserByGitAccount', 'findUserByOIDC',
    'findUserBySSHKey', 'getUsers', 'createUser', 'deleteUser', 'updateUser', 'addPublicKey', 'removePublicKey',
    'getPublicKeys', 'getAppliedMigrations', 'recordMigration', 'unrecordMigration', 'deriveCreatedAt'];
  assert.equal(members.length, 37);
  for (const m of members) assert.equal(typeof sink[m], 'function', m);
});

test('writeAudit / getPush round trip with _id, Action prototype, unknown keys kept', async () => {
  await sink.writeAudit(push('p-1', { custom: { nested: [1, 'x'] } }));
  const p = await sink.getPush('p-1');
  assert.ok(p instanceof Action);
  assert.match(p._id, /^[0-9a-f]{24}$/);
  assert.deepEqual(p.custom, { nested: [1, 'x'] });
  assert.deepEqual(p.steps, [{ stepName: 'parse', logs: ['a'] }]);
  p.setAllowPush();
  assert.equal(p.allowPush, true);
  assert.equal(await sink.getPush('absent'), null);
});

test('writeAudit replaces the document and rejects a non-string id with "Invalid id" (22023)', async () => {
  await sink.writeAudit(push('p-2', { extra: 1 }));
  await sink.writeAudit(push('p-2', { blocked: false, allowPush: true }));
  const p = await sink.getPush('p-2');
  assert.equal(p.extra, undefined);
  assert.equal(p.allowPush, true);
  await assert.rejects(sink.writeAudit({ id: 123 }), (e) => e instanceof SinkError && e.message === 'Invalid id' &&
    e.code === '22023' && e.category === 'INVALID_INPUT');
});

test('getPushes: default filter, {} matches all, filters, no _id, newest first, RegExp values', async () => {
  await sink.writeAudit(push('p-3', { timestamp: 1700000000003 }));
  await sink.writeAudit(push('p-4', { timestamp: 1700000000004, authorised: true }));
  await sink.writeAudit({ id: 'd-1', type: 'default', timestamp: 1 });
  const dflt = (await sink.getPushes()).map((p) => p.id);
  assert.ok(dflt.includes('p-3') && dflt.includes('p-1'));
  assert.ok(!dflt.includes('p-4') && !dflt.includes('d-1'));
  const all = await sink.getPushes({});
  assert.ok(all.some((p) => p.id === 'd-1'));
  for (const p of all) assert.equal(p._id, undefined);
  assert.ok(all[0] instanceof Action);
  const ts = all.map((p) => p.timestamp);
  assert.deepEqual(ts, [...ts].sort((a, b) => b - a));
  assert.deepEqual((await sink.getPushes({ authorised: true })).map((p) => p.id), ['p-4']);
  assert.deepEqual((await sink.getPushes({ authorised: 'true' })).map((p) => p.id), []);
  const byRe = await sink.getPushes({ type: 'push', url: /GITHUB\.com\/finos/i });
  assert.ok(byRe.length >= 3);
  await assert.rejects(sink.getPushes({ $where: 'x' }), (e) => e.code === '22023');
});

test('getPushesPage walks the listing with limit and cursor', async () => {
  const all = (await sink.getPushes({})).map((p) => p.id);
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const page = await sink.getPushesPage({}, { limit: 2, cursor });
    assert.ok(page.pushes.length <= 2);
    seen.push(...page.pushes.map((p) => p.id));
    cursor = page.cursor;
    pages++;
  } while (cursor !== null && pages < 100);
  assert.deepEqual(seen, all);
  assert.ok(pages >= 2);
  await assert.rejects(sink.getPushesPage({}, { limit: 1, cursor: 'garbage' }), (e) => e.code === '22023');
});

const SUMMARY_KEYS = ['id', 'allowPush', 'attestation', 'authorised', 'blocked', 'blockedMessage', 'branch', 'canceled',
  'commitData', 'commitFrom', 'commitTo', 'error', 'method', 'project', 'rejected', 'rejection', 'repo', 'repoName',
  'timestamp', 'type', 'url', 'userEmail'];

test('{ summary: true }: git-proxy\'s MongoDB projection on getPushes and getPushesPage, same rows and cursors', async () => {
  await sink.writeAudit(push('sum-1', { url: 'summary-url', timestamp: 20, branch: 'refs/heads/x', commitData: [{ message: 'm' }],
    user: 'alice', autoApproved: false, attestation: null }));
  await sink.writeAudit({ id: 'sum-2', url: 'summary-url', timestamp: 10 });
  const full = await sink.getPushes({ url: 'summary-url' });
  const summ = await sink.getPushes({ url: 'summary-url' }, { summary: true });
  assert.deepEqual(summ.map((p) => p.id), ['sum-1', 'sum-2']);
  for (let i = 0; i < full.length; i++) {
    const want = Object.fromEntries(Object.entries(full[i]).filter(([k]) => SUMMARY_KEYS.includes(k)));
    assert.deepEqual({ ...summ[i] }, want);
    assert.ok(summ[i] instanceof Action);
    assert.equal(summ[i]._id, undefined);
  }
  assert.equal(summ[0].steps, undefined);
  assert.equal(summ[0].user, undefined);
  assert.equal(summ[0].attestation, null);
  assert.deepEqual(Object.keys(summ[1]).sort(), ['id', 'timestamp', 'url']);
  const p1 = await sink.getPushesPage({ url: 'summary-url' }, { limit: 1, summary: true });
  const f1 = await sink.getPushesPage({ url: 'summary-url' }, { limit: 1 });
  assert.equal(p1.cursor, f1.cursor);
  assert.deepEqual({ ...p1.pushes[0] }, { ...summ[0] });
  const p2 = await sink.getPushesPage({ url: 'summary-url' }, { limit: 5, cursor: f1.cursor, summary: true });
  assert.deepEqual(p2.pushes.map((p) => ({ ...p })), [{ ...summ[1] }]);
  assert.equal(p2.cursor, null);
  // a filter on a field the summary drops still applies
  assert.deepEqual((await sink.getPushes({ user: 'alice' }, { summary: true })).map((p) => p.id), ['sum-1']);
  await assert.rejects(sink.getPushes({ $where: 'x' }, { summary: true }), (e) => e.code === '22023');
  await assert.rejects(sink.getPushesPage({}, { limit: 1, cursor: 'garbage', summary: true }), (e) => e.code === '22023');
  await sink.deletePush('sum-1');
  await sink.deletePush('sum-2');
});

test('unpaged getPushes over several internal pages equals the one-statement listing, one snapshot', async () => {
  const a = await admin(DB);
  try {
    await a.query(`SELECT count(gitproxy.write_audit(json_build_object('id', 'many-' || i, 'type', 'push', 'url', 'many',
      'timestamp', i % 7, 'blob', repeat('x', i % 50)))) FROM generate_series(1, 1203) i`);
    for (const summary of [false, true]) {
      const want = (await a.query(`SELECT push::text AS t FROM gitproxy.get_pushes('{"url":"many"}', NULL, NULL, $1)`,
        [summary])).rows.map((r) => JSON.parse(r.t));
      const got = await sink.getPushes({ url: 'many' }, { summary });
      assert.equal(got.length, 1203);
      assert.deepEqual(got.map((p) => ({ ...p })), want);
    }
    assert.equal(sink.poolFigures().idle, sink.poolFigures().total);
    // pairs written in one transaction, one row sorting first and one last:
    // a listing from one snapshot holds both of a pair or neither
    let stop = false;
    let pairs = 0;
    const writer = (async () => {
      while (!stop) {
        pairs++;
        await a.query(`SELECT gitproxy.write_audit(json_build_object('id', 'top-' || $1::int, 'type', 'push', 'url', 'many',
          'timestamp', 1e15 + $1::int)), gitproxy.write_audit(json_build_object('id', 'bottom-' || $1::int, 'type', 'push',
          'url', 'many', 'timestamp', -$1::int))`, [pairs]);
      }
    })();
    let listings = 0;
    try {
      while (listings < 5 || pairs < 10) {
        const ids = new Set((await sink.getPushes({ url: 'many' }, { summary: listings % 2 === 1 })).map((p) => p.id));
        listings++;
        for (let k = 1; k <= pairs; k++) {
          assert.equal(ids.has(`top-${k}`), ids.has(`bottom-${k}`), `pair ${k} seen whole or not at all`);
        }
      }
    } finally {
      stop = true;
      await writer;
    }
    await a.query("DELETE FROM gitproxy.pushes WHERE doc->>'url' = 'many'");
  } finally {
    await a.end();
  }
});

test('unpaged getPushes errors: the first page\'s, and the connection goes back idle', async () => {
  await assert.rejects(sink.getPushes({ $where: 1 }), (e) => e instanceof SinkError && e.code === '22023');
  await assert.rejects(sink.getPushes([1]), (e) => e.code === '22023');
  const f = sink.poolFigures();
  assert.equal(f.idle, f.total);
  assert.ok((await sink.getPushes({})).length > 0);
});

test('authorise / reject / cancel: messages, flags, not-found', async () => {
  await sink.writeAudit(push('p-5', { canceled: true, rejected: true }));
  assert.deepEqual(await sink.authorise('p-5', { note: 'approved' }), { message: 'authorised p-5' });
  let p = await sink.getPush('p-5');
  assert.deepEqual([p.authorised, p.canceled, p.rejected], [true, false, false]);
  assert.deepEqual(p.attestation, { note: 'approved' });
  assert.deepEqual(await sink.reject('p-5', { reason: 'no', reviewer: { username: 'r' } }), { message: 'reject p-5' });
  p = await sink.getPush('p-5');
  assert.deepEqual([p.authorised, p.canceled, p.rejected], [false, false, true]);
  assert.deepEqual(p.rejection, { reason: 'no', reviewer: { username: 'r' } });
  assert.deepEqual(p.attestation, { note: 'approved' });
  assert.deepEqual(await sink.cancel('p-5'), { message: 'canceled p-5' });
  p = await sink.getPush('p-5');
  assert.deepEqual([p.authorised, p.canceled, p.rejected], [false, true, false]);
  for (const call of [() => sink.authorise('nope'), () => sink.reject('nope', undefined), () => sink.cancel('nope')]) {
    await assert.rejects(call(), (e) => e instanceof SinkError && e.message === 'push nope not found' &&
      e.code === 'P0002' && e.category === 'NOT_FOUND');
  }
  assert.equal(await sink.getPush('nope'), null);
});

test('deletePush deletes and is silent for a missing id', async () => {
  await sink.writeAudit(push('p-del'));
  await sink.deletePush('p-del');
  assert.equal(await sink.getPush('p-del'), null);
  await sink.deletePush('p-del');
});

test('getPushesForUserProfile: email variants or reviewer username (case-insensitive)', async () => {
  await sink.writeAudit(push('prof-1', { userEmail: 'alice@example.com', timestamp: 10 }));
  await sink.writeAudit(push('prof-2', { userEmail: 'x@example.com', timestamp: 20,
    attestation: { reviewer: { username: 'Bob' } } }));
  await sink.writeAudit(push('prof-3', { userEmail: 'y@example.com', rejection: { reviewer: { username: 'bob' } } }));
  assert.deepEqual((await sink.getPushesForUserProfile(['alice@example.com'], 'nobody')).map((p) => p.id), ['prof-1']);
  assert.deepEqual((await sink.getPushesForUserProfile([], 'bob')).map((p) => p.id), ['prof-2']);
  const both = await sink.getPushesForUserProfile(['alice@example.com'], 'BOB');
  assert.deepEqual(both.map((p) => p.id), ['prof-2', 'prof-1']);
  assert.ok(both[0] instanceof Action);
  assert.equal(both[0]._id, undefined);
});

test('getRepoPushRollupsByCanonicalUrl returns three Maps keyed by canonical URL', async () => {
  const r = await sink.getRepoPushRollupsByCanonicalUrl();
  assert.ok(r.tabCounts instanceof Map && r.latestPushAtMs instanceof Map && r.latestPendingReviewAtMs instanceof Map);
  const c = r.tabCounts.get('github.com/finos/git-proxy');
  assert.deepEqual(Object.keys(c).sort(), ['approved', 'canceled', 'error', 'pending', 'rejected']);
  const counted = Object.values(c).reduce((a, b) => a + b, 0);
  const pushes = (await sink.getPushes({ type: 'push' })).length;
  assert.equal(counted, pushes);
  assert.equal(typeof r.latestPushAtMs.get('github.com/finos/git-proxy'), 'number');
  assert.equal(r.latestPushAtMs.get('github.com/finos/git-proxy'), 1700000000004);
});

test('repos: create, look-ups, update, permission lists, delete', async () => {
  const created = await sink.createRepo({ project: 'finos', name: 'git-proxy', url: 'https://github.com/finos/git-proxy.git',
    users: { canPush: [], canAuthorise: [] } });
  assert.ok(created instanceof Repo);
  assert.match(created._id, /^[0-9a-f]{24}$/);
  assert.equal(created.name, 'git-proxy');
  assert.equal(deriveCreatedAt(created._id).slice(0, 10), new Date().toISOString().slice(0, 10));
  const id = created._id;
  assert.equal((await sink.getRepo('GIT-PROXY'))._id, id);
  assert.equal((await sink.getRepoByUrl('https://github.com/finos/git-proxy.git'))._id, id);
  assert.ok((await sink.getRepoById(id)) instanceof Repo);
  assert.equal(await sink.getRepo('absent'), null);
  assert.equal(await sink.getRepoByUrl('https://nowhere/x.git'), null);
  assert.equal(await sink.getRepoById('not-an-id'), null);
  await sink.createRepo({ project: 'other', name: 'second', url: 'https://gitlab.com/o/second.git' });
  assert.deepEqual((await sink.getRepos({ project: 'finos' })).map((r) => r.name), ['git-proxy']);
  assert.equal((await sink.getRepos()).length, 2);
  assert.equal((await sink.getRepos({ url: /https:\/\/gitlab\.com/ })).length, 1);
  await sink.updateRepo({ _id: id, project: 'finos-labs' });
  assert.equal((await sink.getRepoById(id)).project, 'finos-labs');
  await sink.updateRepo({ _id: 'ffffffffffffffffffffffff', project: 'x' }); // no upsert, silent
  assert.equal(await sink.getRepoById('ffffffffffffffffffffffff'), null);
  // a key set to undefined is removed (git-proxy's example migration down())
  await sink.updateRepo({ _id: id, dateCreated: undefined, lastModified: undefined });
  const stripped = await sink.getRepoById(id);
  assert.ok(!('dateCreated' in stripped) && !('lastModified' in stripped));
  assert.equal(stripped.project, 'finos-labs');
  await sink.addUserCanPush(id, 'Alice');
  await sink.addUserCanPush(id, 'alice');
  await sink.addUserCanAuthorise(id, 'bob');
  let r = await sink.getRepoById(id);
  assert.deepEqual(r.users, { canPush: ['alice'], canAuthorise: ['bob'] });
  await sink.removeUserCanPush(id, 'ALICE');
  await sink.removeUserCanPush(id, 'alice');
  await sink.removeUserCanAuthorise(id, 'bob');
  r = await sink.getRepoById(id);
  assert.deepEqual(r.users, { canPush: [], canAuthorise: [] });
  for (const f of ['addUserCanPush', 'addUserCanAuthorise', 'removeUserCanPush', 'removeUserCanAuthorise']) {
    await assert.rejects(sink[f]('ffffffffffffffffffffffff', 'x'), (e) => e.message === 'Repo not found', f);
  }
  await sink.deleteRepo(id);
  assert.equal(await sink.getRepoById(id), null);
  await sink.deleteRepo(id);
});

test('users: create, finders, getUsers without password, update, delete', async () => {
  const u = { username: 'CreateUser', password: 'hash', gitAccount: 'octocat', email: 'Create@Example.COM', admin: false,
    mustChangePassword: false };
  await sink.createUser(u);
  const f = await sink.findUser('createuser');
  assert.ok(f instanceof User);
  assert.equal(f.username, 'createuser');
  assert.equal(f.email, 'create@example.com');
  assert.equal(f.password, 'hash');
  const { _id, password, publicKeys, ...rest } = f;
  assert.ok(_id && password && Array.isArray(publicKeys));
  assert.deepEqual(rest, { username: 'createuser', gitAccount: 'octocat', email: 'create@example.com', admin: false,
    mustChangePassword: false });
  assert.equal((await sink.findUserByEmail('CREATE@example.com')).username, 'createuser');
  assert.equal((await sink.findUserByGitAccount('OctoCat')).username, 'createuser');
  assert.equal(await sink.findUserByOIDC('oidc-1'), null);
  await sink.createUser({ username: 'oidcuser', password: null, gitAccount: 'x', email: 'o@example.com', admin: false,
    oidcId: 'oidc-1' });
  assert.equal((await sink.findUserByOIDC('oidc-1')).username, 'oidcuser');
  assert.equal(await sink.findUserByOIDC('OIDC-1'), null);
  await assert.rejects(sink.createUser({ username: 'createuser', email: 'other@example.com' }),
    (e) => e.code === '23505' && e.category === 'CONFLICT');
  const list = await sink.getUsers({ username: 'CREATEUSER' });
  assert.equal(list.length, 1);
  assert.equal(list[0].password, undefined);
  assert.ok(list[0] instanceof User);
  assert.equal((await sink.getUsers()).length, 2);
  await sink.updateUser({ username: 'createuser', gitAccount: 'changed', admin: true });
  const g = await sink.findUser('createuser');
  assert.equal(g.gitAccount, 'changed');
  assert.equal(g.email, 'create@example.com');
  await sink.updateUser({ _id: g._id, displayName: 'C. User' });
  assert.equal((await sink.findUser('createuser')).displayName, 'C. User');
  await sink.updateUser({ username: 'createuser', displayName: undefined });
  assert.ok(!('displayName' in (await sink.findUser('createuser'))));
  await sink.updateUser({ username: 'ADUser', email: 'AD@example.com', admin: false });
  assert.equal((await sink.findUser('aduser')).email, 'ad@example.com');
  await sink.deleteUser('ADUSER');
  assert.equal(await sink.findUser('aduser'), null);
  await sink.deleteUser('aduser');
});

test('SSH keys: add, find, duplicates (DuplicateSSHKeyError), remove, list', async () => {
  await sink.createUser({ username: 'keyowner', password: 'h', gitAccount: 'k', email: 'k@example.com', admin: false });
  await sink.createUser({ username: 'other', password: 'h', gitAccount: 'o', email: 'other@example.com', admin: false });
  const k1 = { key: 'ssh-ed25519 AAAAkey1', name: 'laptop', addedAt: '2026-01-01T00:00:00.000Z', fingerprint: 'SHA256:one' };
  const k2 = { key: 'ssh-ed25519 AAAAkey2', name: 'desk', addedAt: '2026-01-02T00:00:00.000Z', fingerprint: 'SHA256:two' };
  await sink.addPublicKey('keyowner', k1);
  await sink.addPublicKey('keyowner', k2);
  assert.deepEqual(await sink.getPublicKeys('keyowner'), [k1, k2]);
  assert.deepEqual(await sink.getPublicKeys('other'), []);
  assert.equal((await sink.findUserBySSHKey('ssh-ed25519 AAAAkey2')).username, 'keyowner');
  assert.equal(await sink.findUserBySSHKey('ssh-ed25519 unknown'), null);
  await assert.rejects(sink.addPublicKey('other', { ...k1, fingerprint: 'SHA256:x' }), (e) =>
    e instanceof DuplicateSSHKeyError && e instanceof SinkError && e.name === 'DuplicateSSHKeyError' &&
    e.existingUsername === 'keyowner' && e.message === "SSH key already in use by user 'keyowner'" &&
    e.code === '23505' && e.category === 'CONFLICT');
  await assert.rejects(sink.addPublicKey('keyowner', k1), (e) => e.message === 'SSH key already exists' &&
    e.code === '42710' && e.category === 'CONFLICT' && !(e instanceof DuplicateSSHKeyError));
  await assert.rejects(sink.addPublicKey('keyowner', { ...k1, key: 'ssh-ed25519 new' }),
    (e) => e.message === 'SSH key already exists');
  await assert.rejects(sink.addPublicKey('ghost', { ...k1, key: 'ssh-ed25519 ghost' }),
    (e) => e.message === 'User not found' && e.code === 'P0002' && e.category === 'NOT_FOUND');
  await sink.removePublicKey('keyowner', 'SHA256:one');
  await sink.removePublicKey('keyowner', 'SHA256:unknown');
  assert.deepEqual(await sink.getPublicKeys('keyowner'), [k2]);
  await assert.rejects(sink.removePublicKey('ghost', 'x'), (e) => e.message === 'User not found');
  await assert.rejects(sink.getPublicKeys('ghost'), (e) => e.message === 'User not found' && e.code === 'P0002');
});

test('migrations bookkeeping: record (idempotent), list, unrecord', async () => {
  assert.deepEqual(await sink.getAppliedMigrations(), []);
  await sink.recordMigration('20260101-a');
  await sink.recordMigration('20260101-a');
  await sink.recordMigration('20260102-b');
  assert.deepEqual((await sink.getAppliedMigrations()).sort(), ['20260101-a', '20260102-b']);
  await sink.unrecordMigration('20260101-a');
  await sink.unrecordMigration('unknown');
  assert.deepEqual(await sink.getAppliedMigrations(), ['20260102-b']);
});

test('deriveCreatedAt decodes like gitproxy.derive_created_at over many ids', async () => {
  const hex = '0123456789abcdefABCDEF';
  const rnd = (n, alphabet) => Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
  const ids = ['60c8964000000000000000aa', '00000000ffffffffffffffff', 'ffffffff0000000000000000', '7FFFFFFF0000000000000000',
    'not-an-object-id', '', ' 60c8964000000000000000aa', '60c8964000000000000000aa ', '60c8951000000000000000a',
    '60c8964000000000000000aaa', 'g0c8951000000000000000aa', 'AbCdEf0123456789aBcDeF01', '60c89510-0000-0000-0000-000000',
    'ÿ0c8951000000000000000aa', 'Q3kFzWm0aB8cD9eF', 'a'.repeat(24), '0x' + 'a'.repeat(22)];
  for (let i = 0; i < 3000; i++) ids.push(rnd(24, hex));
  for (let i = 0; i < 500; i++) ids.push(rnd(24, hex + 'xyz-_ '));
  for (let i = 0; i < 500; i++) ids.push(rnd(Math.floor(Math.random() * 30), hex));
  const a = await admin(DB);
  try {
    const { rows } = await a.query('SELECT gitproxy.derive_created_at(x) AS v FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n', [ids]);
    assert.equal(rows.length, ids.length);
    let decoded = 0;
    for (let i = 0; i < ids.length; i++) {
      const want = rows[i].v === null ? undefined : rows[i].v;
      assert.equal(deriveCreatedAt(ids[i]), want, `id ${JSON.stringify(ids[i])}`);
      assert.equal(sink.deriveCreatedAt(ids[i]), want);
      if (want !== undefined) decoded++;
    }
    assert.ok(decoded >= 3000);
  } finally {
    await a.end();
  }
  assert.equal(deriveCreatedAt('60c8964000000000000000aa'), '2021-06-15T12:00:00.000Z');
  assert.equal(deriveCreatedAt('not-an-object-id'), undefined);
});

test('ESM and CommonJS entry points share one implementation', async () => {
  const esm = await import('gitproxy-sink');
  const cjs = require('gitproxy-sink');
  assert.equal(esm.createSink, cjs.createSink);
  assert.equal(esm.DuplicateSSHKeyError, cjs.DuplicateSSHKeyError);
  assert.equal(esm.default, cjs);
  for (const k of Object.keys(cjs)) assert.equal(esm[k], cjs[k], `ESM export ${k}`);
});

test('health() reports status, versions and pool figures', async () => {
  const h = await sink.health();
  assert.equal(h.status, 'ok');
  assert.equal(h.extensionVersion, '1.1');
  assert.equal(h.requiredExtensionVersion, '1.1');
  assert.match(h.serverVersion, /^\d+/);
  for (const k of ['total', 'idle', 'waiting']) assert.equal(typeof h.pool[k], 'number');
  assert.ok(h.pool.total >= 1);
});
