// Commission editor: the multiplier does not apply to Reventado (UX §6), so disable it there;
// Enter in the "Probar" box probes.
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
  // Enter inside the "Probar" box probes (elsewhere in the editor it saves: the form's default button).
  document.addEventListener("keydown", e => {
    if (e.key !== "Enter" || e.isComposing || !e.target.matches("#comision-prueba input")) return;
    const probe = e.target.closest("form") && e.target.closest("form").querySelector("button[value=probar]");
    if (probe && !probe.disabled) { e.preventDefault(); probe.click(); }
  });
})();
