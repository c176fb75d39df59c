"""The doctor's own record: one view per section (profile, education, qualification, employment, НМО,
requests), ``record_store`` (the record held for the views, written through the DB worker) and
``record_table_model`` (a Qt table over one entity of that store)."""
