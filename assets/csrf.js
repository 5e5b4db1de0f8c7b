// Send the CSRF token (cookie gslts_csrf, set by the server) with every state-changing request,
// so Dash callbacks pass the server's CSRF check.
(function () {
  var origFetch = window.fetch;
  function token() {
    var m = document.cookie.match(/(?:^|; )gslts_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  window.fetch = function (input, init) {
    init = init || {};
    var method = (init.method || "GET").toUpperCase();
    var tok = token();
    if (tok && method !== "GET" && method !== "HEAD") {
      var headers = new Headers(init.headers || {});
      headers.set("X-CSRFToken", tok);
      init.headers = headers;
    }
    return origFetch.call(this, input, init);
  };
})();
