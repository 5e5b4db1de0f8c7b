// Light/dark theme (Bootstrap 5.3 data-bs-theme), remembered in localStorage.
(function () {
  var KEY = "gslts-theme";
  var saved = null;
  try { saved = localStorage.getItem(KEY); } catch (e) {}
  document.documentElement.setAttribute("data-bs-theme", saved === "dark" ? "dark" : "light");
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("#theme-toggle") : null;
    if (!el) return;
    var next = document.documentElement.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-bs-theme", next);
    try { localStorage.setItem(KEY, next); } catch (e) {}
  });
})();

// Language links return to the page the user is on (the navbar is rendered once, not per page).
document.addEventListener("click", function (ev) {
  var a = ev.target.closest ? ev.target.closest("a[href^='/lang/']") : null;
  if (!a) return;
  ev.preventDefault();
  var lang = a.getAttribute("href").split("?")[0];
  window.location.href = lang + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
});
