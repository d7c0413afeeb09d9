// Moderation form: only offer the guideline clauses that justify the chosen action.
(function () {
  "use strict";
  function sync() {
    var action = document.getElementById("mod-action");
    var clause = document.getElementById("mod-clause");
    if (!action || !clause) return;
    var firstAllowed = null;
    Array.prototype.forEach.call(clause.options, function (opt) {
      var allowed = (opt.getAttribute("data-actions") || "").split(" ").indexOf(action.value) >= 0;
      opt.disabled = !allowed;
      opt.hidden = !allowed;
      if (allowed && !firstAllowed) firstAllowed = opt;
    });
    var current = clause.options[clause.selectedIndex];
    if ((!current || current.disabled) && firstAllowed) clause.value = firstAllowed.value;
  }
  document.addEventListener("change", function (evt) { if (evt.target.id === "mod-action") sync(); });
  document.addEventListener("htmx:afterSwap", sync);
  sync();
})();
