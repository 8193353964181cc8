"""A local BigQuery for tests and the demo: the `local-bigquery` emulator, started and seeded from Python.

emulator.BigQueryEmulator starts it (see README.md for what it does not do like BigQuery);
seed.seed fills a dataset with every type and table shape the BigQuery connector must handle.
"""
