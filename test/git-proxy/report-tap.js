#!/usr/bin/env node
// Print one TAP line per test of a vitest JSON report (--reporter=json):
//   node report-tap.js REPORT.json PREFIX [FILE-REGEX [NAME-REGEX]]
// FILE-REGEX (on the path relative to the git-proxy tree) keeps only matching
// files, NAME-REGEX (case-insensitive) only matching tests.  Skipped and todo tests print as "ok ... # SKIP".  TAP numbers are
// left to the caller: lines are "ok - ..." and renumbered by test/git-proxy/run.
// Writes "passed failed skipped" to fd 3.
'use strict';
const fs = require('fs');
const [report, prefix, filter, nameFilter] = process.argv.slice(2);
let r;
try {
  r = JSON.parse(fs.readFileSync(report, 'utf8'));
} catch (e) {
  console.log(`not ok - ${prefix}: no vitest report (${e.message.split('\n')[0]})`);
  fs.writeSync(3, '0 1 0\n');
  process.exit(0);
}
const re = filter ? new RegExp(filter) : null;
const nameRe = nameFilter ? new RegExp(nameFilter, 'i') : null;
let passed = 0, failed = 0, skipped = 0;
const clean = (s) => s.replace(/[\r\n]+/g, ' ').replace(/#/g, '\\#');
for (const file of r.testResults) {
  const rel = file.name.replace(`${process.env.GP_TREE}/`, '');
  if (re && !re.test(rel)) continue;
  // a file that did not load, or whose beforeAll/afterAll hook failed (its tests are then
  // reported as skipped, not failed)
  if (file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')) {
    failed++;
    console.log(`not ok - ${prefix}: ${rel}: the file failed outside its tests (load or hook; see its run's log)`);
    for (const l of String(file.message || '').split('\n').slice(0, 10)) console.log(`#   ${l}`);
  }
  for (const t of file.assertionResults) {
    if (nameRe && !nameRe.test(t.fullName)) continue;
    const name = `${prefix}: ${rel} > ${clean(t.fullName)}`;
    if (t.status === 'passed') {
      passed++;
      console.log(`ok - ${name}`);
    } else if (t.status === 'failed') {
      failed++;
      console.log(`not ok - ${name}`);
      for (const m of (t.failureMessages || []).slice(0, 1))
        for (const l of m.split('\n').slice(0, 8)) console.log(`#   ${l}`);
    } else {
      skipped++;
      console.log(`ok - ${name} # SKIP ${t.status}`);
    }
  }
}
fs.writeSync(3, `${passed} ${failed} ${skipped}\n`);
