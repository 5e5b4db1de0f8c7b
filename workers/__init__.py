"""Background work: the job schedule, Celery app (full mode), in-process scheduler (embedded), recorder."""
