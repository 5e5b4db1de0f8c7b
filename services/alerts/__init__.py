"""Alert delivery: webhook and Telegram senders, the dispatcher (outbox → deliveries → channels), the
webhook secret box, and what the /alerts page, the CLI and the API call (``admin.py``)."""
