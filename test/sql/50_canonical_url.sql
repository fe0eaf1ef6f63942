-- canonical_remote_url (contract §6.2): every example row of the contract,
-- then edge cases (expected keys checked against git-proxy's function run by
-- Node.js; test/tap/canonical_url_node repeats that comparison on a random corpus)
SELECT n, input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  (1, 'https://GitHub.com/FINOS/git-proxy.git'),
  (2, 'https://github.com:443/finos/git-proxy'),
  (3, 'git@github.com:finos/git-proxy.git'),
  (4, 'http://localhost:8080/a/b.git/'),
  (5, 'https://u:p@host.example/x.git?y=1#z'),
  (6, 'https://github.com/a/./b/../c.git'),
  (7, 'https://github.com/a b.git'),
  (8, 'https://github.com/a//b.git'),
  (9, 'https://github.com/'),
  (10, 'ssh://git@github.com/finos/x.git'),
  (11, 'not a url'),
  (12, '   ')
) v(n, input) ORDER BY n;

-- ports: default ports of the scheme vanish (also with leading zeros), others stay
SELECT input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  ('http://h:80/x'), ('https://h:80/x'), ('http://h:443/x'), ('http://h:0080/'), ('http://h:/x'),
  ('http://h:65535/'), ('http://h:65536/'), ('http://h:8a/'), ('http://h:+80/')
) v(input);
-- IPv6 in brackets (compressed, lower-case), IPv4 forms normalised
SELECT input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  ('https://[::1]:8443/r.git'), ('http://[2001:DB8:0:0:1:0:0:1]/x'), ('http://[::ffff:1.2.3.4]/'),
  ('http://[1:0:0:2:0:0:0:3]/'), ('http://[0:0:0:0:0:0:0:0]/'), ('http://[::1/'), ('http://[1::2::3]/'),
  ('http://0x7f.1/'), ('http://1.2.3/'), ('http://4294967295/'), ('http://1.2.3.256/'), ('http://09.1/'),
  ('http://a.b.1/')
) v(input);
-- user-info, query and fragment are dropped
SELECT input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  ('https://user@host/x'), ('https://a@b@host/x'), ('https://h:443@example.com/'), ('https://user@/x'),
  ('https://host/x?y#z/w.git'), ('https://host/x.git#frag'), ('https://host?q'), ('https://host#f')
) v(input);
-- path: percent-encoding (space, non-ASCII, quotes), dot segments (also
-- percent-encoded), backslashes as slashes, slashes around the path, .git once
SELECT input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  ('https://github.com/a%20b'), ('http://h/ä ö'), ('http://h/a^b`{}|"<>x'), ('http://h/%zz/%4'),
  ('https://github.com/a/%2e%2E/b'), ('https://github.com/a/%2E/b'), ('https://github.com/a/b/../../..'),
  ('HTTPS:\\github.com\a\b.git'), ('http://h/a\b/../c'), ('https:github.com/x'), ('https:///github.com/x'),
  ('http://github.com///'), ('https://github.com/x.GIT'), ('https://github.com/x.Git/'),
  ('https://github.com/x.git.git'), ('https://github.com/.git'), ('https://github.com/x/.git'),
  ('https://github.com')
) v(input);
-- hosts: lower-cased, percent-decoded, IDNA (ICU), forbidden characters fail the parse
SELECT input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  ('HTTP://EXAMPLE.COM'), ('http://ex%41mple.com/'), ('http://exa mple.com/'), ('http://%zz/'),
  ('http://a..b/'), ('http://a_b.com/'), ('http://Bücher.example/x'), ('http://xn--bcher-kva.example/'),
  ('http://ß.de/'), ('http://ΣΑΣ.gr/'), ('http://ａｂｃ.com/'), ('http://xn--/')
) v(input);
-- git@host:path, other schemes, failures: the whole input lower-cased
SELECT input, gitproxy.canonical_remote_url(input) AS key FROM (VALUES
  ('GIT@GitHub.com:Org/Repo.GIT'), ('git@host:/leading/slash.git/'), ('git@host:path:with:colons'),
  ('git@host:'), ('git@:path'), (E'git@host:a\nb'), ('ssh://GIT@GitHub.com/X.git'), ('git://github.com/x.git'),
  ('SSH://ΣΑΣ'), ('mailto:X@Y'), ('http:'), ('http://'), ('HtTpS://X.Y')
) v(input);
-- JavaScript trim (incl. no-break and ideographic spaces, BOM, line
-- separators); the URL parser also drops tabs and newlines inside
SELECT gitproxy.canonical_remote_url(E' \t https://github.com/finos/x.git \n ') AS spaces,
       gitproxy.canonical_remote_url(E'\u00a0https://github.com/x\u3000') AS nbsp_ideographic,
       gitproxy.canonical_remote_url(E'\ufeff\u2028https://github.com/x\u2029') AS bom_separators,
       gitproxy.canonical_remote_url(E'ht\ttps://git\nhub.com/a\rb') AS tab_newline_inside,
       gitproxy.canonical_remote_url(E'\t\n\u00a0\u3000 ') AS whitespace_only,
       gitproxy.canonical_remote_url('') AS empty,
       gitproxy.canonical_remote_url(NULL) IS NULL AS null_is_null;
-- declared immutable, strict and parallel safe (usable in index expressions)
SELECT provolatile, proisstrict, proparallel FROM pg_proc
 WHERE oid = 'gitproxy.canonical_remote_url(text)'::regprocedure;
