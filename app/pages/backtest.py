"""/backtest: registers the page; the page itself is the package ``app.backtest``."""

from __future__ import annotations

import dash

from app.backtest.page import layout

dash.register_page(
    __name__, path="/backtest", title="GSLTS · 백테스트", order=40, nav_label="nav.backtest", layout=layout
)
