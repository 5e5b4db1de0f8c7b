"""Every page in a real browser with Korean fonts (issue 17, items 2, 4 and 6), on a fresh app whose demo
session opens with the morning traded (DEMO_START=morning, as `gslts run` starts it):

* the trade page's 1-minute chart shows at least 30 candles and the ranking ≥ 50 rows with 거래대금 on the
  first visit;
* no page shows a Korean text box that overflows its container (or the window), at 1440 and 390 px;
* every ⓘ links to a glossary entry that exists;
* a screenshot of every page at both widths is saved (listed at the end of the test run, tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import time

import dash
import pytest
from support.artifacts import screenshot_dir

from app.text.glossary import ENTRIES

WIDTHS = {"desktop": (1440, 900), "mobile": (390, 844)}

# Korean text whose box is wider than its container: cut off (overflow hidden) or past the window's edge
# outside any scrolling area.
OVERFLOW_JS = r"""
const hangul = /[\uac00-\ud7a3]/;
const bad = [];
const vw = document.documentElement.clientWidth;
function scrolls(el) {
  for (let a = el.parentElement; a; a = a.parentElement) {
    const ox = getComputedStyle(a).overflowX;
    if (ox === 'auto' || ox === 'scroll') return true;
  }
  return false;
}
for (const el of document.body.querySelectorAll('*')) {
  if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
  const own = [...el.childNodes].some(n => n.nodeType === 3 && hangul.test(n.textContent));
  if (!own) continue;
  const st = getComputedStyle(el);
  if (st.visibility === 'hidden') continue;
  const r = el.getBoundingClientRect();
  // Screen-reader-only text (1 px boxes, clipped) is not shown: not a visual overflow.
  if (r.width <= 2 || r.height <= 2 || st.clip !== 'auto' || st.clipPath !== 'none') continue;
  const cut = (st.overflowX === 'hidden' || st.overflowX === 'clip') && st.textOverflow !== 'ellipsis'
    && el.scrollWidth > el.clientWidth + 1;
  const past = r.right > vw + 1 && !scrolls(el);
  // A short Korean word (a label such as 랭킹 or 긴급정지) split over several lines.
  let split = false;
  for (const n of el.childNodes) {
    const word = n.nodeType === 3 ? n.textContent.trim() : '';
    if (!word || !hangul.test(word) || word.length > 8 || /\s/.test(word)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const tops = new Set([...range.getClientRects()].filter(q => q.width > 0).map(q => Math.round(q.top)));
    if (tops.size > 1) split = true;
  }
  if (cut || past || split) bad.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(r.width) + 'x' + Math.round(r.height)
    + ' "' + el.textContent.trim().slice(0, 40) + '"');
}
return bad.slice(0, 10);
"""

CANDLES_JS = """
const g = document.getElementById('trade-chart');
const fig = g && (g.querySelector('.js-plotly-plot') || g);
const data = fig && fig.data;
if (!data) return -1;
const c = data.find(d => d.type === 'candlestick') || data[0];
return c && c.x ? c.x.length : 0;
"""

RANKING_JS = """
let api = null;
try { api = window.dash_ag_grid && dash_ag_grid.getApi('ranking-grid'); } catch (e) { return -1; }
if (!api) return -1;
let n = 0;
api.forEachNode(node => { if (node.data && node.data.value > 0) n += 1; });
return n;
"""


def _wait(fn, timeout: float):  # noqa: ANN001, ANN202
    end = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < end:
        time.sleep(0.2)
        value = fn()
    return value


def _korean_font() -> None:
    """The screenshots and overflow checks need a real Korean font (Debian fonts-noto-cjk, see .ci/run)."""
    try:
        fonts = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        fonts = ""
    if not fonts.strip():
        message = "no Korean font installed (apt-get install fonts-noto-cjk)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def morning_app(app_settings):
    from app.runtime import runtime
    from app.server import create_app

    settings = app_settings.model_copy(update={"demo_start": "morning"})
    app = create_app(settings)
    started = time.monotonic()
    runtime().become_owner()  # what `gslts run` does before serving: the morning is traded now
    took = time.monotonic() - started
    assert took < 20, f"the morning took {took:.1f} s to trade"
    yield app
    runtime().close()


def _pages() -> list[str]:
    paths = []
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0):
        path = page.get("path") or ""
        if page.get("path_template"):
            path = page["path_template"].replace("<code>", "005930")
        if path and path != "/404":
            paths.append(path)
    return paths


def test_every_page_at_both_widths_first_visit_has_content_and_no_korean_text_overflows(
    morning_app, browser_login
):
    _korean_font()
    duo = browser_login(morning_app)
    driver = duo.driver
    duo.wait_for_element("#nav-user", timeout=15)
    # The demo clock is in the navbar (an admin's is a menu of speeds).
    clock = duo.wait_for_element("#nav-market-clock", timeout=10)
    assert _wait(lambda: clock.text.startswith("데모 10:"), 10), clock.text
    out = screenshot_dir()
    for old in out.glob("*.png"):  # this run's screenshots only
        old.unlink()
    problems: dict[str, list[str]] = {}
    help_links: set[str] = set()

    # First visit of the trade page: the morning's minute bars are there.
    driver.get(duo.server.url + "/trade/005930")
    duo.wait_for_element("#trade-interval input[value='1']", timeout=15)
    driver.execute_script("document.querySelector(\"#trade-interval input[value='1']\").click();")
    candles = _wait(
        lambda: max(driver.execute_script(CANDLES_JS) or 0, 0) >= 30 and driver.execute_script(CANDLES_JS), 20
    )
    assert candles and candles >= 30, f"the 1-minute chart shows {driver.execute_script(CANDLES_JS)} candles"
    driver.get(duo.server.url + "/ranking")
    rows = _wait(
        lambda: (driver.execute_script(RANKING_JS) or 0) >= 50 and driver.execute_script(RANKING_JS), 20
    )
    assert rows and rows >= 50, f"the ranking has {driver.execute_script(RANKING_JS)} rows with 거래대금"

    for width_name, (w, h) in WIDTHS.items():
        driver.set_window_size(w, h)
        for path in _pages():
            driver.get(duo.server.url + path)
            _wait(lambda: driver.execute_script("return document.querySelector('._dash-loading') === null "
                                                "&& document.querySelector('#_pages_content *') !== null"), 10)  # fmt: skip
            time.sleep(0.4)  # callbacks fill the page
            name = path.strip("/").replace("/", "_") or "home"
            driver.save_screenshot(str(out / f"{name}-{width_name}-{w}.png"))
            bad = driver.execute_script(OVERFLOW_JS)
            if bad:
                problems[f"{path} @ {w}px"] = bad
            for href in driver.execute_script(
                "return [...document.querySelectorAll('a.gslts-help')].map(a => a.getAttribute('href'));"
            ):
                help_links.add(href)
    assert not problems, f"Korean text overflowing its box: {problems}"

    # Every ⓘ links to an entry the glossary page has.
    assert len(help_links) >= 5, help_links
    driver.set_window_size(1440, 900)
    driver.get(duo.server.url + "/glossary")
    duo.wait_for_element("#glossary-entries", timeout=10)
    on_page = set(driver.execute_script(
        "return [...document.querySelectorAll('.glossary-entry')].map(e => e.id);"
    ))  # fmt: skip
    assert on_page == set(ENTRIES)
    for href in help_links:
        assert href.startswith("/glossary#") and href.split("#", 1)[1] in on_page, href
    # The admin changes the running demo market's speed from the navbar.
    from app.runtime import runtime

    driver.find_element("css selector", "#nav-clock-menu .dropdown-toggle").click()
    driver.find_element("css selector", "[id*='\"speed\":60']").click()
    assert _wait(lambda: "×60" in driver.find_element("css selector", "#nav-market-clock").text, 10)
    assert runtime().market_service().clock.speed == 60

    shots = sorted(out.glob("*.png"))
    assert len(shots) >= 2 * len(_pages()), shots
