// Cauce web app: CSRF header for htmx, flash messages, auto-submitting filters, keyboard shortcuts.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  window.cauceCsrf = csrfToken;

  function flash(message, level) {
    var area = document.getElementById("flash");
    if (!area) return;
    var box = document.createElement("div");
    box.className = "flash flash-" + (level || "ok");
    box.setAttribute("role", level === "error" ? "alert" : "status");
    box.textContent = message;
    area.replaceChildren(box);
    window.clearTimeout(flash.timer);
    flash.timer = window.setTimeout(function () { box.remove(); }, level === "error" ? 12000 : 5000);
  }
  window.cauceFlash = flash;

  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // Errors come back as a small HTML fragment with the Spanish message: show it in the flash area.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status >= 400) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
      evt.detail.target = document.getElementById("flash");
      evt.detail.swapOverride = "innerHTML";
      evt.detail.selectOverride = ".flash";
    }
  });
  // A row swapped by htmx (e.g. after "Tomar caso") keeps the keyboard selection.
  var reselect = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var t = evt.detail.target;
    reselect = t && t.classList && t.classList.contains("is-selected") ? t.id : null;
  });
  // htmx:load fires on the new, attached content (the old row is detached after an outerHTML swap).
  document.addEventListener("htmx:load", function (evt) {
    if (!reselect || !evt.target || evt.target.id !== reselect) return;
    reselect = null;
    if (window.cauceSelectRow) window.cauceSelectRow(evt.target);
  });
  document.addEventListener("htmx:sendError", function () {
    flash("No hay conexión con el servidor; reintente en unos segundos.", "error");
  });
  document.addEventListener("cauce-flash", function (evt) {
    var d = evt.detail || {};
    var v = d.value && typeof d.value === "object" ? d.value : d;
    flash(v.message || "", v.level);
  });

  // Filters and the brand switch submit as soon as a value changes.
  document.addEventListener("change", function (evt) {
    var form = evt.target.closest && evt.target.closest("form[data-autosubmit]");
    if (form && evt.target.tagName === "SELECT") form.submit();
  });

  // Clocks count down without reloading.
  function formatLeft(seconds) {
    var s = Math.abs(Math.round(seconds));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = d ? d + " d" + (h ? " " + h + " h" : "") : h ? h + " h" + (m ? " " + m + " min" : "") : m + " min";
    return (seconds < 0 ? "\u2212" : "") + text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (!isNaN(due)) el.textContent = formatLeft((due - now) / 1000);
    });
  }
  window.setInterval(tick, 30000);

  // Keyboard: j/k move, Enter opens, r reply, a take (claim). Not while typing.
  function typing(evt) {
    var t = evt.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.case-row")); }
  function selected() { return document.querySelector("tr.case-row.is-selected"); }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("is-selected"); r.removeAttribute("aria-selected"); });
    if (!row) return;
    row.classList.add("is-selected");
    row.setAttribute("aria-selected", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  window.cauceSelectRow = select;
  document.addEventListener("keydown", function (evt) {
    if (typing(evt) || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    var list = rows(), current = selected(), i = list.indexOf(current);
    var composer = document.getElementById("reply-text");
    if (evt.key === "j" && list.length) { select(list[Math.min(i + 1, list.length - 1)]); evt.preventDefault(); }
    else if (evt.key === "k" && list.length) { select(list[Math.max(i - 1, 0)]); evt.preventDefault(); }
    else if (evt.key === "Enter" && current) {
      var link = current.querySelector("a[data-open]");
      if (link) { window.location.href = link.getAttribute("href"); evt.preventDefault(); }
    } else if (evt.key === "r") {
      if (composer) { composer.focus(); evt.preventDefault(); }
      else if (current) {
        var open = current.querySelector("a[data-open]");
        if (open) { window.location.href = open.getAttribute("href") + "#composer"; evt.preventDefault(); }
      }
    } else if (evt.key === "a") {
      var claim = current ? current.querySelector("[data-claim]") : document.querySelector("[data-claim]");
      var assign = document.getElementById("assign-user");
      if (claim) { claim.click(); evt.preventDefault(); }
      else if (assign) { assign.focus(); evt.preventDefault(); }
    }
  });
})();

// A form refused by the server comes back with its message beside it: bring it into view and put the
// keyboard in the first field of that form, so the admin sees what to fix without scrolling.
(function () {
  "use strict";
  function reveal() {
    var error = document.querySelector(".form-error");
    if (!error) return;
    error.scrollIntoView({ block: "center" });
    var section = error.closest("section") || error.parentElement;
    var field = section && section.querySelector("form input:not([type=hidden]), form textarea, form select");
    if (field) field.focus({ preventScroll: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reveal);
  else reveal();
})();
