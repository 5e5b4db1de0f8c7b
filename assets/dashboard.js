// GSLTS trading dashboard helpers: grid formatters, click-to-price, order actions, search keys.
// The trade page's element ids and the classes used here are listed in app/trade/ids.py.
(function () {
  "use strict";

  // --- AG Grid value formatters (used as {"function": "GSLTS.int(params.value)"}) ---------------
  var JO = 1e12, EOK = 1e8, MAN = 1e4;
  function int(v) { return v == null ? "" : Math.trunc(v).toLocaleString("en-US"); }
  function signed(v) { return v == null ? "" : (v > 0 ? "+" : "") + int(v); }
  function pct(v) {
    if (v == null) return "";
    var s = Math.abs(v).toFixed(2);
    if (Number(s) === 0) return s + "%";
    return (v > 0 ? "+" : "-") + s + "%";
  }
  function oneDecimal(a, unit) {
    var tenths = Math.floor(a * 10 / unit);
    return Math.floor(tenths / 10).toLocaleString("en-US") + "." + (tenths % 10);
  }
  // Same truncation rules as trading.krx.fmt.amount_kr / amount_en.
  function amount(v, lang) {
    if (v == null) return "";
    var a = Math.abs(v), sign = v < 0 ? "-" : "", body;
    if (lang === "en") {
      var units = [[1e12, "tn"], [1e9, "bn"], [1e6, "m"]];
      body = int(a);
      for (var i = 0; i < units.length; i++) {
        var u = units[i][0], sfx = units[i][1];
        if (a >= u) { body = (sfx === "tn" || a < 10 * u) ? oneDecimal(a, u) + sfx : int(Math.floor(a / u)) + sfx; break; }
      }
      return "KRW " + sign + body;
    }
    if (a >= JO) body = oneDecimal(a, JO) + "조";
    else if (a >= EOK) body = int(Math.floor(a / EOK)) + "억";
    else if (a >= MAN) body = int(Math.floor(a / MAN)) + "만";
    else body = int(a) + "원";
    return sign + body;
  }
  window.GSLTS = Object.assign(window.GSLTS || {}, { int: int, signed: signed, pct: pct, amount: amount });
  var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  dagfuncs.GSLTS = window.GSLTS;

  // --- trade page: write trade-live (quote + book data) into the fixed DOM -----------------------
  function byId(id) { return document.getElementById(id); }
  function text(id, v) { var e = byId(id); if (e && e.textContent !== v) e.textContent = v; }
  function cls(id, v) { var e = byId(id); if (e && e.className !== v) e.className = v; }
  function renderSide(side, levels, top, last) {
    for (var k = 0; k < 10; k++) {
      var row = byId("ob-" + side + "-row-" + k), cell = byId("ob-" + side + "-" + k);
      if (!row || !cell) continue;
      var lv = levels[k];
      if (!lv) { row.style.visibility = "hidden"; cell.setAttribute("data-price", ""); continue; }
      row.style.visibility = "";
      text("ob-" + side + "-" + k, int(lv[0]));
      cell.setAttribute("data-price", String(lv[0]));
      cell.className = "ob-level ob-price " + lv[2] + (lv[0] === last ? " ob-last" : "");
      text("ob-" + side + "-qty-" + k, int(lv[1]));
      var bar = byId("ob-" + side + "-bar-" + k);
      if (bar) bar.style.width = (top ? Math.min(100, Math.floor(lv[1] * 100 / top)) : 0) + "%";
    }
  }
  // Dates of the quote's tick timestamps ("s"); the shown one is the price's title.
  function stampOf(s) { var t = s ? Date.parse(s) : NaN; return isNaN(t) ? -Infinity : t; }
  // Writes one trade-live payload (app/components/quote.py) into the header and the book, unless it
  // is older than what is shown (a slow poll answering after a push, or a late push).
  function applyLive(d) {
    if (!d) return;
    var price = byId("trade-price");
    if (!price) return;
    if (stampOf(d.s) < stampOf(price.getAttribute("title"))) return;
    if (d.age !== undefined) { text("trade-tick-age", d.age); cls("trade-tick-age", d.agec); }
    if (d.st !== undefined) {  // the stale-data badge (app/trade/live.py stale_badge)
      var badge = byId("trade-stale");
      if (badge) { text("trade-stale", d.st); badge.classList.toggle("d-none", !d.st); }
    }
    if (d.p === undefined) return;
    if (price.textContent !== d.p) price.textContent = d.p;
    if (price.className !== d.pc) price.className = d.pc;
    if (price.getAttribute("title") !== d.s) price.setAttribute("title", d.s);
    text("trade-change", d.chg); cls("trade-change", d.chgc);
    text("trade-volume", d.vol); text("trade-value", d.val); text("trade-ohlc", d.ohlc);
    renderSide("ask", d.asks || [], d.top, d.last);
    renderSide("bid", d.bids || [], d.top, d.last);
    text("ob-total-ask", d.ta); text("ob-total-bid", d.tb); text("ob-strength", d.str);
  }
  // The poll (trade-fast → trade-live): ignored while the live stream pushes (assets/live.js).
  function renderLive(d) {
    var live = window.GSLTS.live;
    if (!(live && live.pushing())) applyLive(d);
    return window.dash_clientside.no_update;
  }
  window.GSLTS.applyLive = applyLive;
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.gslts = Object.assign(window.dash_clientside.gslts || {}, { renderLive: renderLive });

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  // --- clicks: order-book level / quarter line → order price; 정정/취소 → trade-action ---------
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-price].ob-level, [data-price].ql-level") : null;
    if (el) {
      var price = parseInt(el.getAttribute("data-price"), 10);
      if (price > 0) {
        setProps("order-type", { value: "limit" });
        setProps("order-price", { value: price });
        el.classList.add("picked");
        setTimeout(function () { el.classList.remove("picked"); }, 400);
      }
      return;
    }
    var btn = ev.target.closest ? ev.target.closest("button[data-order-id]") : null;
    if (btn) {
      var action = btn.classList.contains("oo-cancel") ? "cancel" : btn.classList.contains("oo-modify") ? "modify" : null;
      if (action) {
        btn.disabled = true;
        setProps("trade-action", { data: { action: action, order_id: btn.getAttribute("data-order-id"), t: Date.now() } });
      }
      return;
    }
    var hit = ev.target.closest ? ev.target.closest(".stock-search-item") : null;
    if (hit) { clearSearch(hit.closest(".stock-search")); }
  });

  // --- search box: ↑/↓ move, Enter opens, Escape clears -----------------------------------------
  function items(box) { return box ? Array.prototype.slice.call(box.querySelectorAll(".stock-search-item")) : []; }
  function clearSearch(box) {
    if (!box) return;
    var input = box.querySelector(".stock-search-input input, input.stock-search-input");
    if (input && input.id) {
      var id = input.id;
      try { id = JSON.parse(id); } catch (e) { /* a plain string id */ }
      setProps(id, { value: "" });
      input.blur();
    }
  }
  document.addEventListener("keydown", function (ev) {
    var input = ev.target;
    if (!input || input.tagName !== "INPUT" || !input.closest) return;
    var box = input.closest(".stock-search");
    if (!box) return;
    var list = items(box);
    if (ev.key === "Escape") { clearSearch(box); return; }
    if (!list.length) return;
    var cur = list.findIndex(function (a) { return a.classList.contains("active"); });
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      var next = ev.key === "ArrowDown" ? Math.min(list.length - 1, cur + 1) : Math.max(0, cur - 1);
      list.forEach(function (a, i) { a.classList.toggle("active", i === next); });
      list[next].scrollIntoView({ block: "nearest" });
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      (list[cur >= 0 ? cur : 0]).click();
    }
  });
})();
