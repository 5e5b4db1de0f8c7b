"""The /auto page (자동매매) as a package (registered by ``app/pages/auto.py``):

``layout`` (the page) · ``table`` (the bots table and selecting a bot) · ``detail`` (one bot: start,
pause, stop, promote, positions, orders, decision log) · ``form`` (create and edit, errors per field,
``?from_run=<id>``) · ``risk`` (the account's risk state and limits) · ``session`` (user, today) · ``ids``
(every component id). The UI text is ``app/text/auto.py``.

Everything a bot does goes through ``services.bot_admin``; the runner in the account owner picks status
changes up within a second. The page never places an order and never imports ``workers``.
"""
