"""Persistence: SQLAlchemy 2 models, engine/session, repositories, Alembic migrations, partitions."""
