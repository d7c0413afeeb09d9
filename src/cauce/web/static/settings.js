// Admin settings: the channel "test connection" button. It calls the channels API with the page's
// CSRF token (cookie session) and shows the answer next to the channel. No inline scripts (CSP).
(function () {
  "use strict";

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function english() { return document.documentElement.lang === "en"; }

  async function testChannel(button) {
    const id = button.getAttribute("data-test-channel");
    const out = document.getElementById("test-" + id);
    if (!out) return;
    button.disabled = true;
    out.className = "test-result";
    out.textContent = english() ? "Testing…" : "Probando…";
    try {
      const response = await fetch("/api/v1/channels/" + encodeURIComponent(id) + "/test", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" },
      });
      const body = await response.json().catch(function () { return {}; });
      if (response.ok && body.ok) {
        out.classList.add("settings-status-ok");
        out.textContent = (english() ? "Connected: " : "Conectado: ") + String(body.account || "");
      } else {
        out.classList.add("test-failed");
        // Never leave a green "Funciona" next to a failed test.
        const status = document.getElementById("status-" + id);
        if (status && status.getAttribute("data-status") === "ok") {
          status.setAttribute("data-status", "failing");
          status.innerHTML = "";
          const chip = document.createElement("span");
          chip.className = "chip chip-threat";
          chip.textContent = english() ? "Failing" : "Con fallas";
          status.appendChild(chip);
        }
        const message = body.error && typeof body.error === "object" ? body.error.message : body.error;
        out.textContent = (english() ? "Failed: " : "Falló: ") + String(message || response.status);
      }
    } catch (err) {
      out.classList.add("test-failed");
      out.textContent = english() ? "No answer from the server." : "El servidor no respondió.";
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest ? event.target.closest("[data-test-channel]") : null;
    if (button) testChannel(button);
  });
})();
