-- expect: MC123
REFRESH MATERIALIZED VIEW sales_summary;
