/* The first-run tour (app/guide): highlight the step's control and place the card next to it.
 *
 * The card (#guide-card) is rendered by Dash; its first child carries data-guide-target, the CSS selector
 * of the step's real control (empty: the card stands alone). Pages render asynchronously, so this loop
 * looks for the target a few times a second, scrolls it into view once, outlines it and keeps the card
 * beside it (below, else above; clamped to the window; a bottom sheet on narrow screens).
 */
(function () {
  "use strict";
  var HIGHLIGHT = "guide-highlight";
  var shown = null; // the element highlighted now
  var scrolledFor = null; // the selector last scrolled into view

  function card() { return document.getElementById("guide-card"); }

  function selectorOf(c) {
    var holder = c && c.querySelector("[data-guide-target]");
    return holder ? holder.getAttribute("data-guide-target") : "";
  }

  function find(sel) {
    if (!sel) return null;
    try {
      var el = document.querySelector(sel);
      return el && el.getClientRects().length ? el : null;
    } catch (e) {
      return null; // not a valid selector
    }
  }

  function unhighlight() {
    if (shown) shown.classList.remove(HIGHLIGHT);
    shown = null;
  }

  function place(c, el) {
    var narrow = window.innerWidth < 576;
    if (!el || narrow) {
      c.classList.toggle("guide-centered", !el && !narrow);
      c.classList.toggle("guide-sheet", narrow);
      c.style.top = c.style.left = "";
      return;
    }
    c.classList.remove("guide-centered", "guide-sheet");
    var r = el.getBoundingClientRect();
    var w = c.offsetWidth, h = c.offsetHeight, gap = 12, vw = window.innerWidth, vh = window.innerHeight;
    var top = r.bottom + gap + h <= vh ? r.bottom + gap : r.top - gap - h;
    if (top < 8) top = Math.max(8, vh - h - 8); // no room above or below: the bottom of the window
    var left = Math.min(Math.max(8, r.left), Math.max(8, vw - w - 8));
    c.style.top = Math.round(top) + "px";
    c.style.left = Math.round(left) + "px";
  }

  function tick() {
    var c = card();
    if (!c || c.classList.contains("d-none")) {
      unhighlight();
      scrolledFor = null;
      return;
    }
    var sel = selectorOf(c);
    var el = find(sel);
    if (el !== shown) {
      unhighlight();
      if (el) { el.classList.add(HIGHLIGHT); shown = el; }
    }
    if (el && scrolledFor !== sel) {
      scrolledFor = sel;
      el.scrollIntoView({ block: "center", behavior: "instant" });
    }
    c.setAttribute("data-guide-found", el ? "1" : "0");
    place(c, el);
  }

  setInterval(tick, 250);
})();
