-- expect: MC123
-- squawk: none
REFRESH MATERIALIZED VIEW sales_summary;
