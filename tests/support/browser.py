"""Helpers for the dash_duo browser tests: waiting, clicking, typing and reading AG Grid rows."""

from __future__ import annotations

import time


def wait_until(fn, timeout: float = 10.0, what: str = "condition"):  # noqa: ANN001, ANN201
    """Poll ``fn`` until it returns something truthy (stale elements while Dash re-renders are retried)."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as err:  # noqa: BLE001 - stale elements while Dash re-renders
            last = err
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def grid_rows(duo, grid_id: str) -> list[dict]:  # noqa: ANN001
    """Rows the grid displays (after filters/sort), read through the AG Grid API."""
    return duo.driver.execute_script(
        "const out = []; dash_ag_grid.getApi(arguments[0]).forEachNodeAfterFilterAndSort(n => out.push(n.data));"
        " return out;",
        grid_id,
    )


def click(duo, selector: str, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Scroll ``selector`` to the middle of the window and click it (retried while Dash re-renders)."""

    def go() -> bool:
        el = duo.find_element(selector)
        duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", el)
        el.click()
        return True

    wait_until(go, timeout, what=f"click {selector}")


def set_input(duo, selector: str, value: str, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Replace the text of the input ``selector`` with ``value``."""
    el = duo.find_element(selector)
    el.send_keys("\ue009a")  # Ctrl+A
    el.send_keys(value)
    wait_until(
        lambda: duo.find_element(selector).get_attribute("value") == value,
        timeout,
        what=f"{selector}={value}",
    )


def accept_confirmation(duo, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Accept the browser's confirmation dialog (a ``dcc.ConfirmDialog``) once it shows."""

    def alert():  # noqa: ANN202
        try:
            return duo.driver.switch_to.alert
        except Exception:  # noqa: BLE001 - not shown yet
            return None

    wait_until(alert, timeout, what="the confirmation dialog").accept()
