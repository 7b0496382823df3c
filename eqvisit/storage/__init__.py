"""The local store: models, engine and pragmas, unit of work, repositories, migrations."""
