\set n random(1, 1196)
SELECT gitproxy.authorise((SELECT id FROM ids WHERE n = :n), '{"reviewer":{"username":"bob"}}');
