// Live inbox: Server-Sent Events name the cases that changed; re-fetch just those rows.
(function () {
  "use strict";
  var table = document.getElementById("inbox-table");
  var body = document.getElementById("inbox-rows");
  var state = document.getElementById("live-state");
  if (!table || !body || !window.EventSource) return;

  function setState(value, text) {
    if (!state) return;
    state.setAttribute("data-state", value);
    if (text) state.textContent = text;
  }

  var counter = document.getElementById("open-count");
  function count(delta) {
    if (counter) counter.textContent = String(Math.max(0, (parseInt(counter.textContent, 10) || 0) + delta));
  }

  function sortsBefore(a, b) {
    // Queue order: cases waiting for us first, then priority desc, then oldest first, then id.
    var wa = +a.dataset.waiting, wb = +b.dataset.waiting;
    if (wa !== wb) return wa < wb;
    var pa = +a.dataset.priority, pb = +b.dataset.priority;
    if (pa !== pb) return pa > pb;
    var oa = +a.dataset.opened, ob = +b.dataset.opened;
    if (oa !== ob) return oa < ob;
    return +a.dataset.caseId < +b.dataset.caseId;
  }

  function place(row) {
    var existing = document.getElementById(row.id);
    var wasSelected = existing && existing.classList.contains("is-selected");
    var check = existing && existing.querySelector("[data-bulk-check]");
    if (check && check.checked) { var fresh = row.querySelector("[data-bulk-check]"); if (fresh) fresh.checked = true; }
    if (existing) existing.remove();
    var empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    var after = null;
    Array.prototype.some.call(body.querySelectorAll("tr.case-row"), function (r) {
      if (sortsBefore(row, r)) { after = r; return true; }
      return false;
    });
    body.insertBefore(row, after);
    if (!existing) { row.classList.add("is-new"); count(1); }
    if (wasSelected && window.cauceSelectRow) window.cauceSelectRow(row);
    if (window.htmx) window.htmx.process(row);
  }

  function refresh(ids) {
    var filters = table.getAttribute("data-filters") || "";
    var url = "/inbox/rows?ids=" + encodeURIComponent(ids.join(",")) + (filters ? "&" + filters : "");
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var tpl = document.createElement("template");
        tpl.innerHTML = html;
        var seen = {};
        tpl.content.querySelectorAll("tr.case-row").forEach(function (row) {
          seen[row.dataset.caseId] = true;
          place(row);
        });
        ids.forEach(function (id) {
          if (!seen[id]) { var gone = document.getElementById("case-" + id); if (gone) { gone.remove(); count(-1); } }
        });
        document.dispatchEvent(new CustomEvent("cauce:rows-updated", { detail: { ids: ids } }));
      })
      .catch(function () { setState("error"); });
  }

  var source = new EventSource("/inbox/events");
  source.addEventListener("ready", function () { setState("live"); });
  source.addEventListener("cases", function (evt) {
    var ids = String(evt.data).split(",").filter(Boolean);
    if (ids.length) refresh(ids);
    // A change to a case I may see can be a notice for me (assigned, escalated, crisis, appeal): refresh the bell.
    document.body.dispatchEvent(new CustomEvent("cauce-notifications"));
  });
  source.onerror = function () { setState("reconnecting"); };
  window.addEventListener("beforeunload", function () { source.close(); });
})();

// Bulk selection: x toggles the keyboard-selected row's checkbox, Shift+x marks every row from the
// last toggled one to this one; the count and the fields of the chosen action follow.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var counter = document.getElementById("bulk-count");
  var action = document.getElementById("bulk-action");
  var anchor = null;

  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("[data-bulk-check]")); }
  function update() {
    var n = boxes().filter(function (b) { return b.checked; }).length;
    if (counter) counter.textContent = (counter.textContent || "").replace(/\d+/, String(n));
  }
  function showFields() {
    var chosen = action ? action.value : "";
    form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-bulk-for") !== chosen;
    });
  }
  function toggle(box, range) {
    var list = boxes();
    if (range && anchor && list.indexOf(anchor) >= 0) {
      var a = list.indexOf(anchor), b = list.indexOf(box);
      var lo = Math.min(a, b), hi = Math.max(a, b);
      for (var i = lo; i <= hi; i++) list[i].checked = true;
    } else {
      box.checked = !box.checked;
    }
    anchor = box;
    update();
  }
  document.addEventListener("keydown", function (evt) {
    var t = evt.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (evt.ctrlKey || evt.metaKey || evt.altKey || (evt.key !== "x" && evt.key !== "X")) return;
    var row = document.querySelector("tr.case-row.is-selected");
    var box = row && row.querySelector("[data-bulk-check]");
    if (!box) return;
    toggle(box, evt.shiftKey);
    evt.preventDefault();
  });
  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.hasAttribute && evt.target.hasAttribute("data-bulk-check")) {
      anchor = evt.target;
      update();
    }
  });
  document.addEventListener("cauce:rows-updated", update);
  if (action) action.addEventListener("change", showFields);
  showFields();
  update();
})();
