// Commission editor: the multiplier does not apply to Reventado (UX §6), so disable it there.
(function () {
  "use strict";
  function sync(select) {
    const scope = select.closest("tr") || select.closest("fieldset");
    const input = scope && scope.querySelector("[data-multiplier]");
    if (!input) return;
    const off = select.value === "REVENTADO";
    input.disabled = off;
    if (off) input.value = "";
  }
  document.addEventListener("change", e => {
    if (e.target.matches("[data-bet-type]")) sync(e.target);
  });
})();
