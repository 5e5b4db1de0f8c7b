"""Alerts, framework-free: event types and records (with a dedupe id), settings modes, HMAC signing,
the per-destination rate (token bucket) and backoff, message texts (single and digest) and the price-alert
rules evaluated on ticks. Storage is ``db/repositories/alerts.py``; delivery ``services/alerts/``."""
