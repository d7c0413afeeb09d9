// Correcting triage with the keyboard: `c` opens the correction dialog for the focused message (case
// view: the focused message, else the customer's newest; inbox: the selected case's newest). In the
// dialog Enter saves and Escape closes (native <dialog>).
(function () {
  "use strict";

  function typing(evt) {
    var t = evt.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function dialogUrl() {
    var article = document.querySelector("article.case");
    if (article) {
      var active = document.activeElement;
      var focused = active && active.closest ? active.closest("[data-mention-id]") : null;
      if (focused && !focused.hasAttribute("data-third-party-msg")) {
        return "/mentions/" + focused.getAttribute("data-mention-id") + "/correction";
      }
      return "/cases/" + article.getAttribute("data-case-id") + "/correction";
    }
    var row = document.querySelector("tr.case-row.is-selected");
    return row ? "/cases/" + row.getAttribute("data-case-id") + "/correction" : null;
  }

  function flash(message) {
    if (window.cauceFlash) window.cauceFlash(message, "error");
  }

  function open(url) {
    var old = document.getElementById("correction-dialog");
    if (old) old.remove();
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var tpl = document.createElement("template");
        tpl.innerHTML = html;
        var dialog = tpl.content.querySelector("dialog");
        if (!dialog) return;
        document.body.appendChild(dialog);
        if (window.htmx) window.htmx.process(dialog);
        dialog.addEventListener("close", function () { dialog.remove(); });
        dialog.querySelectorAll("[data-close-dialog]").forEach(function (b) {
          b.addEventListener("click", function () { dialog.close(); });
        });
        dialog.showModal();
        var first = dialog.querySelector("select");
        if (first) first.focus();
      })
      .catch(function () { flash("No se pudo abrir la corrección de este mensaje."); });
  }

  // Saved without changes (no reload): close the dialog.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail && evt.detail.elt;
    if (!form || form.id !== "correction-form" || !evt.detail.successful) return;
    var dialog = document.getElementById("correction-dialog");
    if (dialog && dialog.open) dialog.close();
  });

  document.addEventListener("keydown", function (evt) {
    var dialog = document.getElementById("correction-dialog");
    if (dialog && dialog.open) {
      if (evt.key === "Enter" && dialog.contains(evt.target) && evt.target.tagName !== "BUTTON") {
        evt.preventDefault();
        dialog.querySelector("form").requestSubmit();
      }
      return;
    }
    if (typing(evt) || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    if (evt.key === "c") {
      var url = dialogUrl();
      if (url) { evt.preventDefault(); open(url); }
    }
  });
})();
