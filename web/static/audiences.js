// The audience rule builder and its live preview (templates/audiences/form.html).
//
// The rule is JSON in the hidden input #rule-json, the one the form posts. This script keeps it as a tree of
// nodes, draws the tree, writes the JSON back on every edit, and asks the preview API what the rule selects
// (debounced). Every input carries a data-path equal to the path the server names in a 422 ("rule.all[1]
// .any[0].value"), so each message is shown beside the input it is about, whether it comes from the preview
// or from saving the form.
(function () {
  "use strict";

  var root = document.getElementById("rule-builder");
  var hidden = document.getElementById("rule-json");
  if (!root || !hidden) { return; }
  var meta = JSON.parse(root.dataset.meta || "{}");
  var fieldsByName = {};
  meta.fields.forEach(function (f) { fieldsByName[f.name] = f; });
  var preview = document.getElementById("preview");
  var currentErrors = parseJSON(root.dataset.errors, {});
  var model;
  var pendingFocus = null;

  function parseJSON(text, fallback) {
    try { return JSON.parse(text); } catch (e) { return fallback; }
  }

  // ---- The model: {type: all|any, items}, {type: not, item}, {type: cond, field, op, value, within_days}.

  function fromJSON(o) {
    if (o === null || typeof o !== "object" || Array.isArray(o)) { return { type: "all", items: [] }; }
    if (Array.isArray(o.all)) { return { type: "all", items: o.all.map(fromJSON) }; }
    if (Array.isArray(o.any)) { return { type: "any", items: o.any.map(fromJSON) }; }
    if ("not" in o) { return { type: "not", item: fromJSON(o.not) }; }
    return { type: "cond", field: o.field || "", op: o.op || "", value: o.value, within_days: o.within_days };
  }

  function toJSON(n) {
    switch (n.type) {
      case "all": return { all: n.items.map(toJSON) };
      case "any": return { any: n.items.map(toJSON) };
      case "not": return { not: toJSON(n.item) };
    }
    var c = { field: n.field, op: n.op, value: n.value === undefined ? null : n.value };
    if (n.within_days !== undefined && n.within_days !== null && n.within_days !== "") { c.within_days = n.within_days; }
    return c;
  }

  function opOf(field, op) {
    var f = fieldsByName[field];
    if (!f) { return null; }
    for (var i = 0; i < f.ops.length; i++) { if (f.ops[i].name === op) { return f.ops[i]; } }
    return null;
  }

  function dateOffset(days) {
    var d = new Date(Date.now() + days * 86400000);
    return d.toISOString().slice(0, 10);
  }

  // defaultValue is where a value starts when its input appears; keep carries what fits over from the old one.
  function defaultValue(input, keep) {
    var first = Array.isArray(keep) ? keep[0] : keep;
    switch (input) {
      case "days": return 30;
      case "count": return 1;
      case "range": return [rangeBound(dateOffset(-30)), rangeBound(dateOffset(1))];
      case "bool": return true;
      case "entity": return meta.entities.indexOf(keep) >= 0 ? keep : meta.entities[0];
      case "reachability": return meta.classes.indexOf(first) >= 0 ? first : meta.classes[0];
      case "reachability_list": return meta.classes.indexOf(first) >= 0 ? [first] : [meta.classes[0]];
      case "page": return meta.pages.length ? meta.pages[0].id : "";
      case "page_list": return meta.pages.length ? [meta.pages[0].id] : [];
      case "audience": return meta.audiences.length ? meta.audiences[0].id : "";
      case "list": return typeof first === "string" && first !== "" ? [first] : [];
    }
    return typeof first === "string" ? first : "";
  }

  function newCondition() {
    var f = meta.fields[0];
    return { type: "cond", field: f.name, op: f.ops[0].name, value: defaultValue(f.ops[0].input) };
  }

  // ---- Dates of a between: a day in the brand's zone, written as RFC 3339 with that zone's offset.

  function zoneOffset(day) {
    try {
      var parts = new Intl.DateTimeFormat("en-US", { timeZone: meta.timezone, timeZoneName: "longOffset" })
        .formatToParts(new Date(day + "T12:00:00Z"));
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "timeZoneName") {
          var m = /GMT([+-]\d{2}:\d{2})/.exec(parts[i].value);
          return m ? m[1] : "Z";
        }
      }
    } catch (e) { /* an unknown zone: UTC */ }
    return "Z";
  }

  function rangeBound(day) { return day ? day + "T00:00:00" + zoneOffset(day) : ""; }

  // ---- Drawing.

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else if (attrs[k] !== null && attrs[k] !== undefined) { e.setAttribute(k, attrs[k]); }
    });
    (kids || []).forEach(function (k) { if (k) { e.appendChild(k); } });
    return e;
  }

  function button(action, path, label, title, onClick) {
    var b = el("button", { type: "button", "class": "rule-btn secondary outline", "data-action": action, "data-for": path,
      title: title, "aria-label": title, text: label });
    b.addEventListener("click", onClick);
    return b;
  }

  function part(label, control) {
    return el("label", { "class": "rule-part" }, [el("span", { "class": "rule-caption", text: label }), control]);
  }

  function select(path, options, value) {
    var s = el("select", { "data-path": path });
    options.forEach(function (o) {
      var opt = el("option", { value: o[0], text: o[1] });
      if (String(o[0]) === String(value)) { opt.selected = true; }
      s.appendChild(opt);
    });
    return s;
  }

  function textInput(path, value, attrs) {
    var i = el("input", Object.assign({ type: "text", "data-path": path }, attrs || {}));
    i.value = value === null || value === undefined ? "" : String(value);
    return i;
  }

  // wholeOrRaw reads a number input: a whole number, null when empty, else the text (the server says why).
  function wholeOrRaw(text) {
    var t = text.trim();
    if (t === "") { return null; }
    return /^\d+$/.test(t) ? Number(t) : t;
  }

  function render() {
    var focus = pendingFocus || focusKey(document.activeElement);
    pendingFocus = null;
    root.textContent = "";
    root.appendChild(renderNode(model, "rule", { replace: function (n) { model = n; }, remove: null }));
    var general = el("div", { id: "rule-errors", "data-path": "" });
    root.appendChild(general);
    restoreFocus(focus);
    showErrors(currentErrors);
  }

  function focusKey(e) {
    if (!e || !root.contains(e)) { return null; }
    if (e.dataset.path) { return { attr: "data-path", value: e.dataset.path }; }
    if (e.dataset.action) { return { attr: "data-action", value: e.dataset.action, forPath: e.dataset.for }; }
    return null;
  }

  function restoreFocus(key) {
    if (!key) { return; }
    var all = root.querySelectorAll("[" + key.attr + "]");
    for (var i = 0; i < all.length; i++) {
      var e = all[i];
      if (e.getAttribute(key.attr) === key.value && (!key.forPath || e.dataset.for === key.forPath) && e.focus) {
        e.focus();
        return;
      }
    }
  }

  function structural() { render(); changed(); }

  function renderNode(n, path, slot) {
    if (n.type === "all" || n.type === "any") { return renderGroup(n, path, slot); }
    if (n.type === "not") { return renderNot(n, path, slot); }
    return renderCondition(n, path, slot);
  }

  function nodeButtons(n, path, slot) {
    return el("span", { "class": "rule-tools" }, nodeButtonList(n, path, slot));
  }

  function nodeButtonList(n, path, slot) {
    var out = [button("negate", path, "NOT", "Negate: keep the contacts this does not match", function () {
      slot.replace({ type: "not", item: n });
      pendingFocus = { attr: "data-action", value: "unnegate", forPath: path };
      structural();
    })];
    if (slot.remove) {
      out.push(button("remove", path, "Remove", "Remove this " + (n.type === "cond" ? "condition" : "group"), function () {
        slot.remove();
        structural();
      }));
    }
    return out;
  }

  function renderGroup(n, path, slot) {
    var listPath = path + "." + n.type;
    var kind = select(null, [["all", "all of"], ["any", "any of"]], n.type);
    kind.removeAttribute("data-path");
    kind.setAttribute("data-role", "group-type");
    kind.setAttribute("data-for", path);
    kind.addEventListener("change", function () { n.type = kind.value; structural(); });
    var head = el("div", { "class": "rule-head" }, [part("Match", kind), el("span", { "class": "rule-tools" }, [
      button("add-condition", path, "+ Condition", "Add a condition to this group", function () {
        n.items.push(newCondition());
        pendingFocus = { attr: "data-path", value: listPath + "[" + (n.items.length - 1) + "].field" };
        structural();
      }),
      button("add-group", path, "+ Group", "Add a group of conditions inside this group", function () {
        n.items.push({ type: "any", items: [newCondition()] });
        pendingFocus = { attr: "data-path", value: listPath + "[" + (n.items.length - 1) + "].any[0].field" };
        structural();
      })].concat(nodeButtonList(n, path, slot)))]);
    var items = el("div", { "class": "rule-items", "data-path": listPath });
    n.items.forEach(function (child, i) {
      items.appendChild(el("div", { "class": "rule-item" }, [renderNode(child, listPath + "[" + i + "]", {
        replace: function (c) { n.items[i] = c; },
        remove: function () { n.items.splice(i, 1); }
      })]));
    });
    if (!n.items.length) {
      items.appendChild(el("p", { "class": "muted rule-empty", text: n.type === "all" ?
        "No condition yet: every contact matches." : "Add a condition: an empty \"any of\" matches nobody." }));
    }
    return el("div", { "class": "rule-node rule-group", "data-node": path, "data-path": path }, [head, items]);
  }

  function renderNot(n, path, slot) {
    var tools = el("span", { "class": "rule-tools" }, [button("unnegate", path, "Remove NOT", "Stop negating", function () {
      slot.replace(n.item);
      structural();
    })]);
    if (slot.remove) {
      tools.appendChild(button("remove", path, "Remove", "Remove this negated part", function () { slot.remove(); structural(); }));
    }
    var head = el("div", { "class": "rule-head" }, [el("strong", { "class": "rule-not-label", text: "NOT" }), tools]);
    var inner = el("div", { "class": "rule-items" }, [renderNode(n.item, path + ".not", {
      replace: function (c) { n.item = c; },
      remove: null
    })]);
    return el("div", { "class": "rule-node rule-not", "data-node": path, "data-path": path }, [head, inner]);
  }

  function renderCondition(n, path, slot) {
    var f = fieldsByName[n.field];
    var fieldOpts = meta.fields.map(function (x) { return [x.name, x.title]; });
    if (!f) { fieldOpts.unshift([n.field, n.field ? n.field + " (unknown)" : "choose a field"]); }
    var fieldSel = select(path + ".field", fieldOpts, n.field);
    fieldSel.addEventListener("change", function () {
      var nf = fieldsByName[fieldSel.value];
      var old = opOf(n.field, n.op);
      n.field = nf.name;
      var same = opOf(nf.name, n.op);
      var op = same || nf.ops[0];
      n.op = op.name;
      n.value = old && old.input === op.input ? n.value : defaultValue(op.input, n.value);
      delete n.within_days;
      structural();
    });
    var kids = [part("Field", fieldSel)];
    if (f) {
      var opSel = select(path + ".op", f.ops.map(function (o) { return [o.name, o.title]; }), n.op);
      if (!opOf(n.field, n.op)) { opSel.insertBefore(el("option", { value: n.op, text: n.op || "choose", selected: "selected" }), opSel.firstChild); }
      opSel.addEventListener("change", function () {
        var old = opOf(n.field, n.op);
        var op = opOf(n.field, opSel.value);
        n.op = op.name;
        if (!old || old.input !== op.input) { n.value = defaultValue(op.input, n.value); }
        structural();
      });
      kids.push(part("Condition", opSel));
      var op = opOf(n.field, n.op);
      if (op) { kids = kids.concat(valueParts(n, path, op.input)); }
    }
    var head = el("div", { "class": "rule-head rule-cond-row" }, kids.concat([nodeButtons(n, path, slot)]));
    return el("div", { "class": "rule-node rule-cond", "data-node": path, "data-path": path }, [head]);
  }

  // valueParts draws the inputs of a condition's value for one kind of input.
  function valueParts(n, path, input) {
    var vp = path + ".value";
    var onText = function (read) {
      return function (e) { n.value = read(e.target.value); changed(); };
    };
    switch (input) {
      case "days":
      case "count": {
        var num = textInput(vp, n.value, { inputmode: "numeric", autocomplete: "off", size: "6" });
        num.addEventListener("input", onText(wholeOrRaw));
        return [part(input === "days" ? "Days" : "Messages", num)];
      }
      case "range": {
        var pair = Array.isArray(n.value) ? n.value.slice(0, 2) : ["", ""];
        var box = el("div", { "class": "rule-part rule-range", "data-path": vp });
        ["From", "Before"].forEach(function (label, i) {
          var d = el("input", { type: "date", "data-path": vp + "[" + i + "]" });
          d.value = typeof pair[i] === "string" ? pair[i].slice(0, 10) : "";
          d.addEventListener("change", function () {
            pair[i] = rangeBound(d.value);
            n.value = pair.slice();
            changed();
          });
          box.appendChild(part(label, d));
        });
        return [box];
      }
      case "bool": {
        var b = select(vp, [["true", "yes"], ["false", "no"]], String(n.value !== false));
        b.addEventListener("change", function () { n.value = b.value === "true"; changed(); });
        return [part("Value", b)];
      }
      case "entity": {
        var en = select(vp, meta.entities.map(function (x) { return [x, x.replace(/_/g, " ")]; }), n.value);
        en.addEventListener("change", function () { n.value = en.value; changed(); });
        var within = textInput(path + ".within_days", n.within_days, { inputmode: "numeric", autocomplete: "off", size: "6", placeholder: "any time" });
        within.addEventListener("input", function () { n.within_days = wholeOrRaw(within.value); changed(); });
        return [part("Entity", en), part("Within days (optional)", within)];
      }
      case "reachability":
      case "page":
      case "audience": {
        var opts = input === "reachability" ? meta.classes.map(function (c) { return [c, c.replace(/_/g, " ")]; }) :
          (input === "page" ? meta.pages : meta.audiences).map(function (p) { return [p.id, p.name]; });
        if (!opts.length) {
          if (input === "page") { return [part("Page ID", freeText(n, vp))]; }
          opts = [["", "no other audience yet"]];
        }
        var s = select(vp, opts, n.value);
        s.addEventListener("change", function () { n.value = s.value; changed(); });
        return [part(input === "reachability" ? "Class" : (input === "page" ? "Page" : "Audience"), s)];
      }
      case "reachability_list":
      case "page_list": {
        var choices = input === "reachability_list" ? meta.classes.map(function (c) { return [c, c.replace(/_/g, " ")]; }) :
          meta.pages.map(function (p) { return [p.id, p.name]; });
        if (!choices.length) { return [part("Page IDs, comma-separated", listText(n, vp))]; }
        var chosen = Array.isArray(n.value) ? n.value.slice() : [];
        var set = el("fieldset", { "class": "rule-part rule-checks", "data-path": vp }, [el("legend", { "class": "rule-caption", text: "Any of" })]);
        choices.forEach(function (c) {
          var cb = el("input", { type: "checkbox", value: c[0], "data-path": vp + "[]" });
          cb.checked = chosen.indexOf(c[0]) >= 0;
          cb.addEventListener("change", function () {
            chosen = Array.prototype.filter.call(set.querySelectorAll("input[type=checkbox]"), function (x) { return x.checked; })
              .map(function (x) { return x.value; });
            n.value = chosen;
            changed();
          });
          set.appendChild(el("label", { "class": "rule-check" }, [cb, document.createTextNode(" " + c[1])]));
        });
        return [set];
      }
      case "list":
        return [part("Values, comma-separated", listText(n, vp))];
    }
    var t = freeText(n, vp);
    if (n.field === "source") { t.setAttribute("list", "rule-sources"); }
    return [part("Value", t)];
  }

  function freeText(n, vp) {
    var t = textInput(vp, typeof n.value === "string" ? n.value : (n.value == null ? "" : JSON.stringify(n.value)), { autocomplete: "off" });
    t.addEventListener("input", function () { n.value = t.value; changed(); });
    return t;
  }

  function listText(n, vp) {
    var t = textInput(vp, Array.isArray(n.value) ? n.value.join(", ") : (n.value == null ? "" : String(n.value)),
      { autocomplete: "off", placeholder: n.field === "source" ? "ADS, SHORTLINK" : "" });
    t.addEventListener("input", function () {
      n.value = t.value.split(",").map(function (s) { return s.trim(); }).filter(function (s) { return s !== ""; });
      changed();
    });
    return t;
  }

  // ---- Errors beside their inputs.

  function clearErrors() {
    root.querySelectorAll(".field-error[data-error-for]").forEach(function (e) { e.remove(); });
    root.querySelectorAll("[aria-invalid]").forEach(function (e) {
      e.removeAttribute("aria-invalid");
      e.removeAttribute("aria-describedby");
    });
  }

  // target finds the element of a path, or of its nearest ancestor ("rule.all[2].foo" → "rule.all[2]").
  function target(path) {
    var nodes = root.querySelectorAll("[data-path]");
    for (var p = path; ; ) {
      for (var i = 0; i < nodes.length; i++) { if (nodes[i].getAttribute("data-path") === p) { return nodes[i]; } }
      var cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      if (cut <= 0) { return document.getElementById("rule-errors"); }
      p = p.slice(0, cut);
    }
  }

  var errorSeq = 0;
  function showErrors(fields) {
    clearErrors();
    Object.keys(fields || {}).sort().forEach(function (path) {
      var t = target(path);
      if (!t) { return; }
      var id = "rule-error-" + (++errorSeq);
      var exact = t.getAttribute("data-path") === path;
      var msg = el("small", { "class": "field-error", role: "alert", id: id, "data-error-for": path,
        text: exact ? fields[path] : path + ": " + fields[path] });
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) {
        t.setAttribute("aria-invalid", "true");
        t.setAttribute("aria-describedby", id);
        t.insertAdjacentElement("afterend", msg);
      } else if (t.classList.contains("rule-node")) {
        t.firstChild.insertAdjacentElement("afterend", msg);
      } else {
        t.appendChild(msg);
      }
    });
  }

  // ---- Every edit: the hidden input, then a preview after a pause.

  var timer = null;
  function changed() {
    hidden.value = JSON.stringify(toJSON(model));
    if (!preview) { return; }
    preview.dataset.state = "pending";
    clearTimeout(timer);
    timer = setTimeout(runPreview, 300);
  }

  var seq = 0;
  var inflight = null;
  function runPreview() {
    if (!preview || preview.hidden) { return; }
    var mine = ++seq;
    if (inflight) { inflight.abort(); }
    inflight = new AbortController();
    preview.dataset.state = "loading";
    fetch(meta.preview_url, {
      method: "POST", credentials: "same-origin", signal: inflight.signal,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": document.body.dataset.csrf || "" },
      body: JSON.stringify({ rule: JSON.parse(hidden.value) })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      if (mine !== seq) { return; }
      if (res.status === 200) {
        currentErrors = {};
        showErrors(currentErrors);
        showPreview(res.body);
        return;
      }
      var err = res.body.error || {};
      if (res.status === 422) {
        currentErrors = err.fields || {};
        showErrors(currentErrors);
        previewState("invalid", "Fix the highlighted fields to see who matches.");
        return;
      }
      previewState("error", "No preview: " + (err.message || "HTTP " + res.status) + ".");
    }).catch(function (e) {
      if (e.name !== "AbortError" && mine === seq) { previewState("error", "No preview: the server did not answer."); }
    });
  }

  function previewState(state, message) {
    preview.dataset.state = state;
    document.getElementById("preview-status").textContent = message;
    document.getElementById("preview-meta").hidden = state !== "ok";
    if (state !== "ok") { document.getElementById("preview-count").textContent = "—"; }
  }

  function showPreview(p) {
    document.getElementById("preview-count").textContent = num(p.count);
    document.getElementById("preview-noun").textContent = p.count === 1 ? "contact matches now" : "contacts match now";
    document.getElementById("preview-took").textContent = "took " + p.took_ms + " ms";
    drawBreakdown(p.count, p.breakdown || {});
    drawSample(p.sample || []);
    preview.dataset.count = String(p.count);
    previewState("ok", "Who the rule selects now; nothing is saved until you save the audience.");
  }

  // Counts are grouped as the server writes them, in the locale the page was rendered for (html data-locale).
  var numbers = null;
  function num(n) {
    numbers = numbers || new Intl.NumberFormat(document.documentElement.dataset.locale === "fr" ? "fr-FR" : "en-US");
    return numbers.format(n);
  }

  function pct(n, total) {
    if (!total) { return "0%"; }
    var v = n * 100 / total;
    return (v > 0 && v < 10 ? v.toFixed(1) : String(Math.round(v))) + "%";
  }

  function drawBreakdown(total, bd) {
    var svgNS = "http://www.w3.org/2000/svg";
    var body = el("tbody");
    meta.classes.forEach(function (c) {
      var n = bd[c] || 0;
      var svg = document.createElementNS(svgNS, "svg");
      svg.setAttribute("viewBox", "0 0 100 10");
      svg.setAttribute("preserveAspectRatio", "none");
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("class", "bd-bar");
      var track = document.createElementNS(svgNS, "rect");
      track.setAttribute("width", "100");
      track.setAttribute("height", "10");
      track.setAttribute("class", "bd-track");
      var fill = document.createElementNS(svgNS, "rect");
      fill.setAttribute("width", total ? String(n * 100 / total) : "0");
      fill.setAttribute("height", "10");
      fill.setAttribute("class", "bd-fill bd-" + c);
      svg.appendChild(track);
      svg.appendChild(fill);
      body.appendChild(el("tr", { "data-class": c }, [
        el("th", { scope: "row" }, [el("span", { "class": "reach reach-" + c, text: c.replace(/_/g, " ") })]),
        el("td", { "class": "bd-cell" }, [svg]),
        el("td", { "class": "num", text: num(n) }),
        el("td", { "class": "num", text: pct(n, total) })
      ]));
    });
    var table = el("table", { "class": "breakdown", id: "breakdown" }, [
      el("caption", { text: "Reachability now" }),
      el("thead", {}, [el("tr", {}, [el("th", { text: "Class" }), el("th", { text: "Share" }),
        el("th", { "class": "num", text: "Contacts" }), el("th", { "class": "num", text: "%" })])]),
      body]);
    var box = document.getElementById("preview-breakdown");
    box.textContent = "";
    box.appendChild(table);
  }

  var when;
  try {
    when = new Intl.DateTimeFormat("en-GB", { timeZone: meta.timezone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  } catch (e) {
    when = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function drawSample(sample) {
    var box = document.getElementById("preview-sample");
    box.textContent = "";
    if (!sample.length) {
      box.appendChild(el("p", { "class": "muted", text: "No contact matches this rule." }));
      return;
    }
    var pageName = {};
    meta.pages.forEach(function (p) { pageName[p.id] = p.name; });
    var body = el("tbody");
    sample.forEach(function (c) {
      var at = c.last_inbound_at || c.last_interaction_at; // the sample is ordered by who wrote last
      var reach = c.reachability || {};
      body.appendChild(el("tr", {}, [
        // The person's name once the profile cache has it, the PSID beside it (or alone until then).
        el("td", {}, [el("a", { href: meta.thread_url + encodeURIComponent(c.id) }, [c.name ? el("span", { text: c.name }) : el("code", { text: c.psid })]),
          el("br"), el("small", { "class": "muted", text: (c.name ? c.psid + " · " : "") + (pageName[c.page_id] || c.page_id) })]),
        el("td", { "class": "nowrap", text: at ? when.format(new Date(at)) : "—" }),
        el("td", { "class": "num", text: num(c.inbound_count) }),
        el("td", {}, [el("span", { "class": "reach reach-" + reach.class, text: (reach.class || "").replace(/_/g, " ") })])
      ]));
    });
    box.appendChild(el("div", { "class": "scroll" }, [el("table", { id: "preview-members" }, [
      el("thead", {}, [el("tr", {}, [el("th", { text: "Contact" }), el("th", { text: "Last message" }),
        el("th", { "class": "num", text: "In" }), el("th", { text: "Reachability" })])]),
      body])]));
  }

  // ---- Kind: a manual audience has no rule, no schedule and no preview.

  function syncKind() {
    var picked = document.querySelector("input[name=kind]:checked");
    if (!picked) { return; }
    document.querySelectorAll("[data-for-kind=rule]").forEach(function (e) { e.hidden = picked.value === "manual"; });
    if (picked.value !== "manual") { runPreview(); }
  }
  document.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", syncKind); });

  // ---- Start.

  var sources = el("datalist", { id: "rule-sources" });
  meta.sources.forEach(function (s) { sources.appendChild(el("option", { value: s })); });
  root.parentNode.appendChild(sources);

  var initial = parseJSON(hidden.value || "{\"all\":[]}", null);
  model = fromJSON(initial);
  if (model.type === "cond") { model = { type: "all", items: [model] }; }
  if (initial === null) { currentErrors.rule = currentErrors.rule || "was not valid JSON; it starts again empty"; }
  render();
  hidden.value = JSON.stringify(toJSON(model));
  runPreview();
})();
