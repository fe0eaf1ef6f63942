#!/usr/bin/env node
// A reviewer's session through git-proxy's REST API (test/main-job's git-proxy stage):
//   node review-session.js before BASE_URL STATE.json
//     log in as gp-reviewer (password in GP_REVIEWER_PASSWORD), pick the repo with the most
//     pending pushes, list them, authorise two and reject two; keep the session cookie in STATE
//   node review-session.js after BASE_URL STATE.json
//     after a restart of git-proxy: the same cookie is still logged in (GET /api/auth/profile)
//     and authorises one more push
// Prints what it did, one line each; exits 1 with the reason on any unexpected answer.
'use strict';
const fs = require('fs');

const [phase, base, stateFile] = process.argv.slice(2);
const REVIEWER = 'gp-reviewer';
const PENDING =
  'type=push&error=false&blocked=true&allowPush=false&authorised=false&canceled=false&rejected=false';
const ANSWERS = [{ label: 'I am happy for this to be pushed to the upstream repository', checked: true }];

const die = (msg) => {
  console.error(`review-session: ${msg}`);
  process.exit(1);
};

// one request; a tiny cookie jar: the connect.sid cookie given by the server
async function call(jar, method, path, body) {
  const headers = { Accept: 'application/json' };
  if (jar.cookie) headers.Cookie = jar.cookie;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const set = res.headers.getSetCookie().find((c) => c.startsWith('connect.sid='));
  if (set) jar.cookie = set.split(';')[0];
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function login(username, password) {
  const jar = {};
  const r = await call(jar, 'POST', '/api/auth/login', { username, password });
  if (r.status !== 200 || !jar.cookie) die(`login as ${username}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  return jar;
}

const pendingOf = async (jar, url) => {
  const r = await call(jar, 'GET', `/api/v1/push?${PENDING}&url=${encodeURIComponent(url)}`);
  if (r.status !== 200 || !Array.isArray(r.json)) die(`pending pushes of ${url}: HTTP ${r.status}`);
  return r.json;
};

// authorise or reject pending pushes in order until `n` succeeded; git-proxy answers 404 for a
// push whose committer has no git-proxy account, those are passed over
async function decide(jar, pushes, n, action) {
  const done = [];
  for (const p of pushes) {
    if (done.length === n) break;
    const r =
      action === 'authorise'
        ? await call(jar, 'POST', `/api/v1/push/${encodeURIComponent(p.id)}/authorise`, { params: { attestation: ANSWERS } })
        : await call(jar, 'POST', `/api/v1/push/${encodeURIComponent(p.id)}/reject`, {
            reason: 'Rejected in the main job through git-proxy',
          });
    if (r.status === 200) done.push(p.id);
    else if (r.status !== 404) die(`${action} ${p.id}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  }
  if (done.length < n) die(`only ${done.length} of ${n} pushes could be ${action}d`);
  return done;
}

async function before() {
  // gp-reviewer was provisioned by the operator (test/git-proxy/main-job-stage, with the C
  // client): a git-proxy user with a password and canAuthorise on every repo
  const reviewer = await login(REVIEWER, process.env.GP_REVIEWER_PASSWORD);
  const r = await call(reviewer, 'GET', '/api/v1/repo');
  if (r.status !== 200 || !Array.isArray(r.json)) die(`GET /api/v1/repo: HTTP ${r.status}`);
  const repos = r.json.filter((x) => x.activity && x.activity.pending > 0);
  repos.sort((a, b) => b.activity.pending - a.activity.pending);
  const repo = repos[0];
  if (!repo) die('no repo with pending pushes');
  console.log(`${REVIEWER} logged in; GET /api/v1/repo: ${r.json.length} repos, most pending: ${repo.project}/${repo.name} (${repo.activity.pending})`);
  const pending = await pendingOf(reviewer, repo.url);
  console.log(`GET /api/v1/push lists ${pending.length} pending pushes of ${repo.url}`);
  const authorised = await decide(reviewer, pending, 2, 'authorise');
  const rest = pending.filter((p) => !authorised.includes(p.id));
  const rejected = await decide(reviewer, rest, 2, 'reject');
  console.log(`authorised ${authorised.map((i) => i.slice(0, 20) + '...').join(', ')}`);
  console.log(`rejected   ${rejected.map((i) => i.slice(0, 20) + '...').join(', ')}`);
  const left = (await pendingOf(reviewer, repo.url)).length;
  if (left !== pending.length - 4) die(`after 4 decisions ${left} pending, expected ${pending.length - 4}`);
  fs.writeFileSync(stateFile, JSON.stringify({ cookie: reviewer.cookie, url: repo.url, authorised, rejected }));
}

async function after() {
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  const jar = { cookie: state.cookie };
  const r = await call(jar, 'GET', '/api/auth/profile');
  if (r.status !== 200 || r.json.username !== REVIEWER) die(`after the restart GET /api/auth/profile: HTTP ${r.status}`);
  console.log(`after the restart the same cookie is still ${REVIEWER}'s session (GET /api/auth/profile: 200)`);
  const pending = await pendingOf(jar, state.url);
  const [id] = await decide(jar, pending, 1, 'authorise');
  console.log(`and authorises one more: ${id.slice(0, 20)}...`);
  for (const p of [...state.authorised, id]) {
    const g = await call(jar, 'GET', `/api/v1/push/${encodeURIComponent(p)}`);
    if (g.status !== 200 || g.json.authorised !== true || g.json.attestation?.reviewer?.username !== REVIEWER)
      die(`push ${p} is not shown as authorised by ${REVIEWER}`);
  }
  for (const p of state.rejected) {
    const g = await call(jar, 'GET', `/api/v1/push/${encodeURIComponent(p)}`);
    if (g.status !== 200 || g.json.rejected !== true) die(`push ${p} is not shown as rejected`);
  }
  console.log('GET /api/v1/push/:id shows the 3 authorisations (attestation by gp-reviewer) and the 2 rejections');
}

(phase === 'before' ? before() : phase === 'after' ? after() : die('phase must be before or after')).catch((e) =>
  die(e.stack || String(e)),
);
