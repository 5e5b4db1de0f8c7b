"""/auto: registers the page; the page itself is the package ``app.auto``."""

from __future__ import annotations

import dash

from app.auto import detail, form, risk, table  # noqa: F401 - their callbacks
from app.auto.layout import layout

dash.register_page(
    __name__, path="/auto", title="GSLTS · 자동매매", order=45, nav_label="auto.nav", layout=layout
)
