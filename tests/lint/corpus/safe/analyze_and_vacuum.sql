VACUUM (ANALYZE) orders;
ANALYZE users;
