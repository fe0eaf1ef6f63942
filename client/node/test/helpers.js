'use strict';
// Shared set-up of the package's tests: a fresh database with the extension
// in the cluster named by the PG* environment (test/run-tests starts one with
// pg_virtualenv), and an admin connection for checks behind the sink's back.
const { Client } = require('pg');

function requireCluster() {
  if (!process.env.PGHOST && !process.env.PGPORT && !process.env.PGDATABASE) {
    throw new Error('the tests need a PostgreSQL cluster with the gitproxy_sink extension available: ' +
      'set PGHOST/PGPORT/PGUSER/PGPASSWORD (test/run-tests does this through pg_virtualenv)');
  }
}

async function admin(database) {
  requireCluster();
  const c = new Client(database ? { database } : {});
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Create database `name` (dropped first) with CREATE EXTENSION gitproxy_sink [VERSION v]. */
async function freshDb(name, { extension = true, version } = {}) {
  const a = await admin();
  try {
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.query(`CREATE DATABASE ${name}`);
  } finally {
    await a.end();
  }
  if (extension) {
    const b = await admin(name);
    try {
      await b.query(`CREATE EXTENSION gitproxy_sink${version ? ` VERSION '${version}'` : ''}`);
    } finally {
      await b.end();
    }
  }
  return name;
}

/** Wait until fn() is truthy (polling), at most ms. */
async function waitFor(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

module.exports = { admin, freshDb, waitFor, requireCluster };
