"""The trade page (/trade/<code>, registered by ``app/pages/trade.py``): one stock on one screen.

Modules:

- ``ids``: every component id the page, its callbacks, its components and ``assets/*.js`` share.
- ``layout``: the page for a code: stores, header, chart, book, order panel, account cards, dialogs.
- ``live``: the header and the order book, live (push with polling as the fallback).
- ``chart``: candles, volume, moving averages and today's quarter lines (PRD §11.3), patched in place.
- ``order_entry``: the order panel (estimate, ± and % buttons, 주문, the confirmation dialog).
- ``account_view``: open orders with 정정/취소, today's fills, the position, fill and order toasts.

Live data path: push, with polling as the fallback. A clientside callback on ``trade-code`` opens an
``EventSource`` on ``/api/v1/stream/<code>`` (app/stream.py; assets/live.js) that pushes the quote and book
the moment the market publishes them (in-process subscription in embedded mode, the market's Redis
channels in full mode). ``trade-fast`` (dcc.Interval, ``settings.quote_refresh_ms``, 1 s) is the fallback:
it polls ``market_data()`` — memory reads in embedded mode, one Redis read in full mode — into the
``trade-live`` store (only the tick age when the quote's timestamp has not moved) whenever the stream is
not delivering; assets/live.js disables it while pushes arrive and enables it again when they stop
(refused, closed, or silent for 3.5 s). Both end in one clientside function (``gslts.renderLive`` in
assets/dashboard.js) that writes the header and the fixed-shape book table, so an update builds no
component tree (replacing the book's children cost the Dash renderer ~100 ms per update), and it drops
data older than what is shown, so a slow poll never undoes a push. ``trade-slow`` (1 s) refreshes the
chart (a Patch of the last bar and the quarter lines) and the account (open orders, fills, position:
account data, not market data — one ``account_of`` call, a single RPC in full mode). An order's callback
sends it and reads the account back: two RPCs.

Order flow: clicking an order-book price or a quarter line sets the price in the browser
(``assets/dashboard.js``), so a limit order at a clicked level is two clicks: level → 주문. Orders go only
through the order gateway (``gateway()`` with ``order_context()``). Every click of 주문 carries
``client_order_id = <page nonce>-<click number>``: a retried request is the same order at the broker, and
an order whose outcome is unknown keeps its id in ``order-retry`` so pressing the same order again reuses
it. Orders above ``order_confirm_amount`` and every LIVE order ask first, with the token
``gateway().prepare`` issued; a LIVE 정정 needs a second press with its token.

Callbacks live in these modules (imported once per process); ``app/shell.py`` gives them to every app.
"""
