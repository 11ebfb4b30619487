// Campaign form: add and remove variants, and show the first variant as Messenger would (text, image,
// buttons, quick replies, welcome message). The server validates everything again; this is only a view.
(function () {
  "use strict";
  const form = document.getElementById("campaign-form");
  if (!form) return;
  const box = document.getElementById("variants");
  const tpl = document.getElementById("variant-template");
  const add = document.getElementById("add-variant");

  function parts(line) { return line.split("|").map(function (s) { return s.trim(); }); }
  function lines(v) { return (v || "").split("\n").filter(function (l) { return l.trim() !== ""; }); }
  function chips(el, items) {
    el.replaceChildren();
    items.forEach(function (t) { const s = document.createElement("span"); s.textContent = t; el.appendChild(s); });
  }
  function field(v, name) { const el = v.querySelector("[data-pv='" + name + "']"); return el ? el.value : ""; }

  function render() {
    const v = box.querySelector("[data-variant]");
    const text = document.getElementById("pv-text");
    const img = document.getElementById("pv-image");
    if (!v) { text.textContent = ""; return; }
    text.textContent = field(v, "text");
    const url = field(v, "image").trim();
    img.hidden = !/^https?:\/\//.test(url);
    if (!img.hidden) img.src = url;
    chips(document.getElementById("pv-buttons"), lines(field(v, "buttons")).map(function (l) { return parts(l)[1] || ""; }));
    chips(document.getElementById("pv-qr"), lines(field(v, "qr")).map(function (l) { return parts(l)[0]; }));
    const greet = field(v, "greeting");
    const ib = lines(field(v, "ib")).map(function (l) { return parts(l)[0]; });
    document.getElementById("pv-welcome").hidden = greet === "" && ib.length === 0;
    document.getElementById("pv-greeting").textContent = greet;
    chips(document.getElementById("pv-ib"), ib);
  }

  add.addEventListener("click", function () {
    const node = tpl.content.firstElementChild.cloneNode(true);
    const n = box.querySelectorAll("[data-variant]").length;
    node.querySelector("[name='v_key']").value = String.fromCharCode(65 + n);
    box.insertBefore(node, add);
  });
  box.addEventListener("click", function (e) {
    if (e.target.matches("[data-remove-variant]")) { e.target.closest("[data-variant]").remove(); render(); }
  });
  form.addEventListener("input", render);
  render();
})();
