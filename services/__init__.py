"""Process services: the composition root (``container``), ownership leases, the account owner.

Layering: ``trading`` ← ``db`` ← ``services`` ← ``workers`` ← ``app``. Every process kind (web, CLI,
Celery, the market) builds its services here, so all of them get the same order gateway.
"""
