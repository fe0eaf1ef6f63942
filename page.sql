SELECT count(*) FROM gitproxy.get_pushes(NULL, 50);
