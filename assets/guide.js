/* The first-run tour (app/guide): highlight the step's control and place the card next to it.
 *
 * The card (#guide-card) is rendered by Dash; its first child carries data-guide-target, the CSS selector
 * of the step's real control (empty: the card stands alone). Pages render asynchronously, so this loop
 * looks for the target a few times a second, scrolls it into view once, outlines it and keeps the card
 * beside it (below, else above, else to the right or left; the bottom corner away from it when nothing
 * fits; a bottom sheet on phones; the centre when the step has no target).
 */
(function () {
  "use strict";
  var HIGHLIGHT = "guide-highlight";
  var shown = null; // the element highlighted now
  var scrolledFor = null; // the selector last scrolled into view

  function card() { return document.getElementById("guide-card"); }

  function attrOf(c, name) {
    var holder = c && c.querySelector("[" + name + "]");
    return holder ? holder.getAttribute(name) : "";
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

  function tall(el) { return el.getBoundingClientRect().height > window.innerHeight / 2; }

  function setCorner(c, where) {
    ["guide-centered", "guide-sheet", "guide-corner-left", "guide-corner-right"].forEach(function (k) {
      c.classList.toggle(k, k === where);
    });
    if (where) { c.style.top = c.style.left = ""; }
  }

  // Below the target, else above, else beside it (right, then left); null when nothing fits.
  function spot(r, w, h) {
    var gap = 12, vw = window.innerWidth, vh = window.innerHeight;
    var bar = document.querySelector(".navbar.sticky-top");
    var navbar = bar ? bar.getBoundingClientRect().bottom + 8 : 8; // the sticky navbar covers the top
    var left = Math.min(Math.max(8, r.left), Math.max(8, vw - w - 8));
    if (r.bottom + gap + h <= vh && r.bottom > navbar) return [r.bottom + gap, left];
    if (r.top - gap - h >= navbar) return [r.top - gap - h, left];
    var top = Math.min(Math.max(navbar, r.top), Math.max(navbar, vh - h - 8));
    if (r.right + gap + w <= vw) return [top, r.right + gap];
    if (r.left - gap - w >= 0) return [top, r.left - gap - w];
    return null;
  }

  function place(c, el) {
    if (window.innerWidth < 576) return setCorner(c, "guide-sheet"); // a phone: a bottom sheet
    if (c.classList.contains("guide-offer")) return setCorner(c, "guide-corner-right"); // unobtrusive
    if (!el) return setCorner(c, "guide-centered"); // a card alone: the centre
    var r = el.getBoundingClientRect();
    var at = spot(r, c.offsetWidth, c.offsetHeight);
    if (!at) { // no room around it: the bottom corner away from the target
      return setCorner(c, r.left + r.width / 2 > window.innerWidth / 2 ? "guide-corner-left" : "guide-corner-right");
    }
    setCorner(c, null);
    c.style.top = Math.round(at[0]) + "px";
    c.style.left = Math.round(at[1]) + "px";
  }

  function tick() {
    var c = card();
    if (!c || c.classList.contains("d-none")) {
      if (document.body.style.paddingBottom) document.body.style.paddingBottom = "";
      unhighlight();
      scrolledFor = null;
      return;
    }
    var sel = attrOf(c, "data-guide-target");
    var el = find(sel);
    if (el !== shown) {
      unhighlight();
      if (el) { el.classList.add(HIGHLIGHT); shown = el; }
    }
    var sheet = window.innerWidth < 576;
    var pad = sheet ? c.offsetHeight + 16 + "px" : ""; // room to scroll the page above the sheet
    if (document.body.style.paddingBottom !== pad) document.body.style.paddingBottom = pad;
    if (el && scrolledFor !== sel) {
      scrolledFor = sel;
      var part = find(attrOf(c, "data-guide-scroll"));
      if (part) {
        part.scrollIntoView({ block: "center", behavior: "instant" });
        if (sheet) window.scrollBy(0, c.offsetHeight / 2); // above the bottom sheet
      } else {
        el.scrollIntoView({ block: tall(el) ? "start" : "center", behavior: "instant" });
        if (tall(el)) window.scrollBy(0, -80); // below the sticky navbar
      }
    }
    c.setAttribute("data-guide-found", el ? "1" : "0");
    place(c, el);
  }

  setInterval(tick, 250);
})();
