// Trade page live push: an EventSource on /api/v1/stream/<code> (app/stream.py) whose messages are
// trade-live payloads, written into the DOM at once by GSLTS.applyLive (assets/dashboard.js).
// While it delivers, the page's quote polling (trade-fast) is switched off; when it stops delivering
// (refused, closed, or silent for STALE_MS although the server sends an age update every second),
// polling is switched back on at settings.quote_refresh_ms and the stream is retried.
(function () {
  "use strict";
  var STALE_MS = 3500;
  var RETRY_MS = 15000; // after a refusal (401/404/503) or a failure the browser does not retry itself

  var es = null;        // the EventSource
  var code = null;      // the code it streams
  var pushing = false;  // true while messages arrive
  var lastMsg = 0;
  var retryAt = 0;
  var missing = 0;      // watchdog rounds without a trade page
  var stats = { opened: 0, messages: 0, errors: 0 };

  function onTradePage() { return !!document.getElementById("trade-price"); }

  function setPolling(on) {
    if (!onTradePage()) return; // trade-fast lives in the trade page's layout only
    var dc = window.dash_clientside;
    if (dc && dc.set_props) dc.set_props("trade-fast", { disabled: !on });
  }

  function setPushing(on) {
    if (pushing === on) return;
    pushing = on;
    setPolling(!on);
  }

  function close() {
    if (es) { es.close(); es = null; }
    setPushing(false);
  }

  function open(c) {
    close();
    code = c || null;
    retryAt = 0;
    if (!code || !window.EventSource) return;
    var src = new EventSource("/api/v1/stream/" + encodeURIComponent(code));
    es = src;
    stats.opened++;
    src.onmessage = function (ev) {
      if (src !== es) return;
      var d;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      lastMsg = Date.now();
      stats.messages++;
      setPushing(true);
      window.GSLTS.applyLive(d);
    };
    src.onerror = function () {
      if (src !== es) return;
      stats.errors++;
      if (src.readyState === 2) { // CLOSED: refused or failed; poll and try again later
        es = null;
        setPushing(false);
        retryAt = Date.now() + RETRY_MS;
      } // CONNECTING: the browser reconnects by itself (the server's retry:); the watchdog covers a gap
    };
  }

  setInterval(function () {
    if (!onTradePage()) {
      if ((es || code) && ++missing >= 2) { close(); code = null; }
      return;
    }
    missing = 0;
    if (pushing && Date.now() - lastMsg > STALE_MS) {
      setPushing(false);
      if (es && es.readyState === 1) open(code); // open but silent: start over
    }
    if (!es && code && retryAt && Date.now() >= retryAt) open(code);
  }, 1000);

  // Leaving the page (or entering the back/forward cache) ends the stream now, so the server's
  // thread is free at once; coming back from that cache reopens it on the next watchdog round.
  window.addEventListener("pagehide", function () {
    if (es) { es.close(); es = null; pushing = false; if (code) retryAt = Date.now(); }
  });

  window.GSLTS = window.GSLTS || {};
  window.GSLTS.live = {
    pushing: function () { return pushing; },
    code: function () { return code; },
    stats: stats,
  };
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.gslts = window.dash_clientside.gslts || {};
  // Clientside callback on trade-code (app/trade/live.py): open or move the stream.
  window.dash_clientside.gslts.startLive = function (c) {
    if (c !== code || !es) open(c);
    return window.dash_clientside.no_update;
  };
})();
