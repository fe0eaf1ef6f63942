'use strict';
// The example of the project README's "Using it from Node.js / git-proxy" section,
// run as it is written: it must start, answer HTTP and record the push.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { admin, freshDb, waitFor } = require('./helpers');

const DB = 'gps_node_readme';

// the project README, or a page under docs/ should the section move there
function exampleCode() {
  const top = path.join(__dirname, '..', '..', '..');
  const docs = path.join(top, 'docs');
  const pages = [path.join(top, 'README.md'),
    ...(fs.existsSync(docs) ? fs.readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => path.join(docs, f)) : [])];
  let text = null;
  for (const p of pages) {
    const t = fs.readFileSync(p, 'utf8');
    const at = t.search(/^#+ Using it from Node\.js \/ git-proxy$/m);
    if (at >= 0) { text = t.slice(at); break; }
  }
  assert.ok(text !== null, 'section "Using it from Node.js / git-proxy" missing from README.md and docs/');
  const m = /```js\n([\s\S]*?)```/.exec(text);
  assert.ok(m, 'no js example in the section');
  return m[1];
}

const get = (port, p) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path: p }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => resolve({ status: res.statusCode, body }));
  }).on('error', reject);
});

test('the README example runs: ready, authorise, HTTP with the session store', async () => {
  await freshDb(DB);
  // inside the package folder, so require('gitproxy-sink') resolves to this package
  const file = path.join(__dirname, '..', '.readme-example.js');
  fs.writeFileSync(file, exampleCode());
  const { PGUSER, PGPASSWORD, PGHOST, PGPORT } = process.env;
  const url = `postgresql://${encodeURIComponent(PGUSER)}:${encodeURIComponent(PGPASSWORD)}@${PGHOST}:${PGPORT}/${DB}`;
  const child = spawn(process.execPath, [file], { env: { ...process.env, GIT_PROXY_POSTGRES_CONNECTION_STRING: url, PORT: '0' } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    const port = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`example did not listen: ${out}`)), 10000);
      const check = () => {
        const m = /listening on (\d+)/.exec(out);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      };
      child.stdout.on('data', check);
      child.on('exit', (code) => reject(new Error(`example exited ${code}: ${out}`)));
    });
    assert.match(out, /authorised push-1/);
    const h = await get(port, '/health');
    assert.equal(h.status, 200);
    assert.equal(JSON.parse(h.body).status, 'ok');
    const p = await get(port, '/pushes');
    assert.deepEqual(JSON.parse(p.body).map((x) => [x.id, x.authorised]), [['push-1', true]]);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const a = await admin(DB);
    const count = async () => (await a.query("SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity " +
      "WHERE application_name = 'gitproxy-sink' AND datname = $1", [DB])).rows[0].n;
    try {
      await waitFor(async () => (await count()) === 0, 5000, 'the example to close its pool on SIGTERM');
    } finally {
      await a.end();
    }
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(file, { force: true });
  }
});

test('the README example fails loudly when the database is unreachable', async () => {
  const file = path.join(__dirname, '..', '.readme-example.js');
  fs.writeFileSync(file, exampleCode());
  try {
    const child = spawn(process.execPath, [file], { env: { ...process.env,
      GIT_PROXY_POSTGRES_CONNECTION_STRING: 'postgresql://nobody@127.0.0.1:1/none', PORT: '0' } });
    let out = '';
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 1);
    assert.match(out, /could not connect to the database/);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
