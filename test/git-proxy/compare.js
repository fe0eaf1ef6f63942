#!/usr/bin/env node
// Compare two vitest JSON reports of git-proxy's whole test/ suite, the first
// on the fs sink, the second on postgres: prints both counts side by side and
// every test whose outcome differs; writes
// "fs_passed fs_failed pg_passed pg_failed differing" to fd 3 and, with a third
// argument, the files of the differing tests to that file, one a line.
'use strict';
const fs = require('fs');
const load = (f) => {
  const out = new Map();
  let r;
  try {
    r = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch {
    return out;
  }
  for (const file of r.testResults) {
    const rel = file.name.replace(`${process.env.GP_TREE}/`, '');
    if (file.assertionResults.length === 0 && file.status === 'failed')
      out.set(`${rel} (file did not load)`, 'failed');
    for (const t of file.assertionResults) out.set(`${rel} > ${t.fullName}`, t.status);
  }
  return out;
};
const [fileA, fileB, differingFiles] = process.argv.slice(2);
const [a, b] = [fileA, fileB].map(load);
const count = (m, s) => [...m.values()].filter((v) => v === s).length;
const row = (label, m) =>
  `#   ${label.padEnd(9)} ${String(m.size).padStart(5)} ${String(count(m, 'passed')).padStart(7)} ` +
  `${String(count(m, 'failed')).padStart(7)} ${String(m.size - count(m, 'passed') - count(m, 'failed')).padStart(8)}`;
console.log('# whole git-proxy test/ suite, side by side');
console.log('#   sink      tests  passed  failed  skipped');
console.log(row('fs', a));
console.log(row('postgres', b));
const failedIn = (m) => new Set([...m].filter(([, s]) => s === 'failed').map(([k]) => k));
const fa = failedIn(a), fb = failedIn(b);
const common = [...fa].filter((k) => fb.has(k));
console.log(`# failing on both (${common.length}):`);
for (const k of common) console.log(`#   ${k}`);
// any other difference of outcome: failed on one only, or skipped on one only (a failing
// beforeAll hook skips a file's tests without failing them)
const keys = new Set([...a.keys(), ...b.keys()]);
const differ = [...keys].filter((k) => a.get(k) !== b.get(k));
console.log(`# outcome differs (${differ.length}):`);
for (const k of differ) console.log(`#   ${k}: fs ${a.get(k) ?? 'absent'}, postgres ${b.get(k) ?? 'absent'}`);
// the files holding those tests, for a rerun of just them (test/git-proxy/run)
if (differingFiles)
  fs.writeFileSync(differingFiles, [...new Set(differ.map((k) => k.split(' > ')[0].replace(/ \(file did not load\)$/, '')))].join('\n'));
fs.writeSync(3, `${count(a, 'passed')} ${count(a, 'failed')} ${count(b, 'passed')} ${count(b, 'failed')} ${differ.length}\n`);
