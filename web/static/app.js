// relance's own script: no inline code is allowed by the Content-Security-Policy, so behaviour lives here.
(function () {
  "use strict";

  // htmx requests that change something carry the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (e) {
    var token = document.body.dataset.csrf;
    if (token) { e.detail.headers["X-CSRF-Token"] = token; }
  });

  // Forms with data-confirm ask before a destructive action.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);

  // The brand picker only matters for brand roles.
  function syncBrandPicker() {
    var role = document.getElementById("role-select");
    var brand = document.getElementById("brand-select");
    if (!role || !brand) { return; }
    var brandRole = role.value === "brand_admin" || role.value === "brand_viewer";
    brand.disabled = !brandRole;
    brand.required = brandRole;
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "role-select") { syncBrandPicker(); }
  });
  document.addEventListener("DOMContentLoaded", syncBrandPicker);
})();

// Reachability countdowns: refresh "3 h 12 min left" every 30 s from the datetime attribute.
(function () {
  "use strict";
  function fmt(ms) {
    if (ms <= 0) { return "lapsed"; }
    var min = Math.floor(ms / 60000);
    if (min < 60) { return min + " min left"; }
    if (min < 48 * 60) { return Math.floor(min / 60) + " h " + String(min % 60).padStart(2, "0") + " min left"; }
    return Math.floor(min / 1440) + " days left";
  }
  function tick() {
    document.querySelectorAll("time.countdown[datetime]").forEach(function (el) {
      el.textContent = fmt(new Date(el.getAttribute("datetime")).getTime() - Date.now());
    });
  }
  setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);
})();

// Relative times ("3 h ago", "in 2 days"): kept current every minute from the datetime attribute, with the
// rules of relative() in format.go; past a month the server's date stays.
(function () {
  "use strict";
  function rel(ms) {
    var future = ms < 0, d = Math.abs(ms), s;
    if (d < 60000) { return "just now"; }
    if (d < 3600000) { s = Math.floor(d / 60000) + " min"; }
    else if (d < 48 * 3600000) { s = Math.floor(d / 3600000) + " h"; }
    else if (d < 31 * 86400000) { s = Math.floor(d / 86400000) + " days"; }
    else { return null; }
    return future ? "in " + s : s + " ago";
  }
  function tick() {
    document.querySelectorAll("time.ago[datetime]").forEach(function (el) {
      var t = rel(Date.now() - new Date(el.getAttribute("datetime")).getTime());
      if (t !== null) { el.textContent = t; }
    });
  }
  setInterval(tick, 60000);
})();

// Copy buttons: data-copy holds the text (an m.me link); the button says when it is on the clipboard.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(btn.getAttribute("data-copy")).then(function () {
      var was = btn.textContent;
      btn.textContent = "Copied";
      setTimeout(function () { btn.textContent = was; }, 1500);
    });
  });
})();

// Layout and locale: mark that scripts run, close the navigation menu on narrow screens, and keep the
// browser's time zone in a cookie (agency-level times are shown in it). The number-format selector has its
// own Apply button: reloading the page on a select's change would surprise keyboard users (WCAG 3.2.2).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && /^[A-Za-z0-9_+\-\/]{1,64}$/.test(tz)) {
      document.cookie = "relance_tz=" + tz + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: times stay in UTC */ }
  var narrow = window.matchMedia("(max-width: 768px)");
  function fitMenu() {
    var menu = document.querySelector(".nav-menu");
    if (!menu) { return; }
    if (narrow.matches) { menu.removeAttribute("open"); } else { menu.setAttribute("open", ""); }
  }
  fitMenu();
  document.addEventListener("DOMContentLoaded", fitMenu);
  if (narrow.addEventListener) { narrow.addEventListener("change", fitMenu); }
})();
