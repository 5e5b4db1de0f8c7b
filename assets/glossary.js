// /glossary#<entry>: the page renders after load, so scroll to the entry once it exists and mark it.
(function () {
  function show() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id || window.location.pathname !== "/glossary") return;
    var tries = 0;
    var timer = setInterval(function () {
      var el = document.getElementById(id);
      if (el || ++tries > 50) {
        clearInterval(timer);
        if (el) {
          el.scrollIntoView({ block: "start" });
          el.classList.add("glossary-target");
        }
      }
    }, 100);
  }
  window.addEventListener("load", show);
  window.addEventListener("hashchange", show);
})();
