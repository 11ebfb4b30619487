// People: a profile picture that no longer loads (Meta's picture addresses expire) gives way to the
// person's initials. Listened for on the document, so pictures htmx adds later are covered too.
(function () {
  "use strict";
  document.addEventListener("error", function (e) {
    var img = e.target;
    if (!img || img.tagName !== "IMG" || !img.classList.contains("avatar")) { return; }
    var span = document.createElement("span");
    span.className = "avatar avatar-none" + (img.classList.contains("avatar-large") ? " avatar-large" : "");
    span.setAttribute("aria-hidden", "true");
    span.textContent = img.getAttribute("data-initials") || "#";
    img.replaceWith(span);
  }, true);
})();
