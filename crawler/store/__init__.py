"""Storage: the item pipelines, the SQLite file (schema, migrations, the write path), the Redis
relay of distributed crawls, and the queries users run (search, report, export)."""
