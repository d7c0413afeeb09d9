// Case page: composer behaviour (draft shortcuts, guard verdict -> send button, presence heartbeat).
(function () {
  "use strict";
  var article = document.querySelector("article.case");
  if (!article) return;
  var caseId = article.getAttribute("data-case-id");
  var supervisor = document.body.getAttribute("data-supervisor") === "true";

  function form() { return document.getElementById("composer-form"); }

  function updateSend() {
    var f = form();
    if (!f) return;
    var findings = document.getElementById("findings");
    var verdict = findings ? findings.getAttribute("data-verdict") : "none";
    var button = document.getElementById("send-btn");
    var hint = document.getElementById("send-hint");
    var override = document.getElementById("override-reason");
    var elsewhere = f.querySelector('input[name="sent_elsewhere"]');
    var blocked = verdict === "block" && !(elsewhere && elsewhere.checked);
    var overridden = supervisor && override && override.value.trim().length > 0;
    if (button) button.disabled = blocked && !overridden;
    if (hint) {
      hint.textContent = blocked
        ? (overridden ? "Se enviará con la autorización del supervisor." :
          supervisor ? "Bloqueada: corrija el texto o escriba el motivo para autorizarla." :
          "Bloqueada: corrija el texto (o pida a un supervisor que la autorice).")
        : "";
    }
  }

  document.addEventListener("htmx:afterSwap", updateSend);
  document.addEventListener("htmx:load", updateSend);
  document.addEventListener("htmx:oobAfterSwap", updateSend);
  document.addEventListener("input", function (evt) {
    if (evt.target && evt.target.id === "override-reason") updateSend();
  });
  document.addEventListener("change", function (evt) {
    var f = form();
    if (!f || !f.contains(evt.target)) return;
    if (evt.target.name === "visibility") f.dispatchEvent(new Event("cauce-recheck"));
    updateSend();
  });

  // "Borrador" buttons in the playbook panel: pick the intent (and visibility), then insert.
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("[data-use-intent]");
    if (!btn) return;
    var select = document.getElementById("intent-select");
    var insert = document.getElementById("insert-draft");
    if (!select || !insert) return;
    select.value = btn.getAttribute("data-use-intent");
    var vis = btn.getAttribute("data-visibility");
    if (vis === "public" || vis === "private") {
      var radio = document.querySelector('#composer-form input[name="visibility"][value="' + vis + '"]');
      if (radio) radio.checked = true;
    }
    insert.click();
    document.getElementById("composer").scrollIntoView({ block: "start" });
  });

  // Presence: tell the others while this agent is writing a reply.
  var lastBeat = 0;
  function beat() {
    var now = Date.now();
    if (now - lastBeat < 15000) return;
    lastBeat = now;
    var body = new URLSearchParams({ mode: "replying" });
    fetch("/cases/" + caseId + "/presence", {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": window.cauceCsrf ? window.cauceCsrf() : "", "HX-Request": "true" }
    }).catch(function () {});
  }
  document.addEventListener("focusin", function (evt) { if (evt.target.id === "reply-text") beat(); });
  document.addEventListener("input", function (evt) { if (evt.target.id === "reply-text") beat(); });

  if (window.location.hash === "#composer") {
    var text = document.getElementById("reply-text");
    if (text) text.focus();
  }
  updateSend();
})();
