"""GSLTS trading domain: framework-free (no Dash, Celery or SQLAlchemy sessions)."""
