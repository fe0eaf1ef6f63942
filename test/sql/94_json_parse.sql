-- The fast JSON parser (src/json_parse.c) against jsonb_in: every document
-- must come out byte for byte as jsonb_in makes it (text form: key order,
-- duplicate keys, numbers, escapes), and every malformed one must fail with
-- jsonb_in's SQLSTATE, message, detail and "JSON data" context.  Reached
-- through gitproxy.import_stored_doc, which parses as write_audit does.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.outcome(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  d text;
  c text;
BEGIN
  EXECUTE stmt INTO r;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, c = PG_EXCEPTION_CONTEXT;
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM || coalesce(' / ' || nullif(d, ''), '')
         || coalesce(' / ' || substring(c FROM 'JSON data, line [0-9]+: [^\n]*'), '');
END $$;
CREATE TEMP TABLE json_cases (n serial, doc text);
INSERT INTO json_cases (doc) VALUES
  ($j${"id":"a"}$j$),
  ($j$ {"id" : "a" , "n" : [ 1 , -0 , 0.5 , 1e3 , 1E+3 , -1.25e-3 , 10.000 , 123456789012345678901234567890 ] } $j$),
  (E'{\t"id":\r\n"a"\n}'),
  ($j${"id":"a","s":"q\"b\\s\/ \b\f\n\r\t \u00e9 \u20AC \ud83d\ude00 \u0041 x"}$j$),
  ($j${"id":"a","k":1,"k":2,"id":"b","z":{"b":1,"a":2,"b":3}}$j$),
  ($j${"id":"a","o":{"x":[{},[],[[]],{"y":null,"z":true,"w":false},"",0]}}$j$),
  ($j${"id":"a","":"","k\"ey":1,"\u00e9":2}$j$),
  ($j${"id":"é€😀","long key with spaces and more than eight bytes":"x"}$j$),
  ('{"id":"a","d":' || repeat('[', 70) || '1' || repeat(']', 70) || '}'),
  ('{"id":"a","d":' || repeat('{"k":', 63) || '1' || repeat('}', 63) || '}'),
  ($j${"id":"a","n":1e999999}$j$),
  ($j${"id":"a",}$j$),
  ($j${"id":"a"$j$),
  ($j${"id":"a"} x$j$),
  ($j${"id":"a"}}$j$),
  ($j${"id":01}$j$),
  ($j${"id":1.}$j$),
  ($j${"id":.5}$j$),
  ($j${"id":-}$j$),
  ($j${"id":1e}$j$),
  ($j${"id":+1}$j$),
  ($j${"id":tru}$j$),
  ($j${"id":truex}$j$),
  ($j${"id":nul}$j$),
  ($j${"id":1 2}$j$),
  ($j${"id" 1}$j$),
  ($j${id:1}$j$),
  ($j${"id":"a\x"}$j$),
  ($j${"id":"\u12"}$j$),
  ($j${"id":"\uZZZZ"}$j$),
  ($j${"id":"a$j$ || chr(1) || $j$"}$j$),
  (E'{"id":"a\tb"}'),
  ($j${"id":[1,]}$j$),
  ($j${"id":[,1]}$j$),
  ($j${"id":{"a":1,,"b":2}}$j$),
  (''),
  ('   ');
-- strings whose escape falls at every offset of the 8-byte scan
INSERT INTO json_cases (doc)
SELECT format('{"id":"a","s":"%s\n%s\"%s","t":"%s"}', repeat('x', i), repeat('y', i % 9), repeat('z', 17 - i), repeat('w', i))
  FROM generate_series(0, 17) i;
SELECT n, pg_temp.outcome(format('SELECT (gitproxy.import_stored_doc(%L, 1)).stored_doc::text', doc))
          IS NOT DISTINCT FROM pg_temp.outcome(format('SELECT %L::jsonb::text', doc)) AS same,
       -- the messages themselves differ between server versions; same says they match
       CASE WHEN pg_temp.outcome(format('SELECT %L::jsonb::text', doc)) LIKE 'ERROR %'
            THEN left(pg_temp.outcome(format('SELECT %L::jsonb::text', doc)), 11) ELSE 'parsed' END AS jsonb_in
  FROM json_cases ORDER BY n;
