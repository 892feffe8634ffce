// Draws pages: "select all" checkboxes and the live count on "Crear n sorteos"; days ahead per lotería.
(function () {
  "use strict";
  function refreshCount(root) {
    const btn = root.querySelector("[data-create-count]");
    if (!btn) return;
    const boxes = root.querySelectorAll('input[name="instantes"]');
    const n = root.querySelectorAll('input[name="instantes"]:checked').length;
    const all = root.querySelector('[data-select-all="instantes"]');
    if (all) { all.checked = n === boxes.length && n > 0; all.indeterminate = n > 0 && n < boxes.length; }
    btn.textContent = "Crear " + n + " sorteo" + (n === 1 ? "" : "s");
    btn.disabled = n === 0;
  }
  document.addEventListener("change", e => {
    const all = e.target.closest("[data-select-all]");
    const form = e.target.closest("form");
    if (all && form) {
      form.querySelectorAll('input[name="' + all.dataset.selectAll + '"]').forEach(cb => { cb.checked = all.checked; });
    }
    if (form && (all || e.target.name === "instantes")) refreshCount(form);
    if (e.target.matches("select[data-days-ahead]") && form) {
      const map = JSON.parse(e.target.dataset.daysAhead || "{}");
      const days = form.querySelector('input[name="days"]');
      if (days && map[e.target.value]) days.value = map[e.target.value];
    }
  });
  document.addEventListener("htmx:afterSwap", e => { const f = e.target.querySelector && e.target.querySelector("#vista-previa"); if (f) refreshCount(f.closest("form")); });
  document.addEventListener("DOMContentLoaded", () => { const f = document.querySelector("#vista-previa"); if (f) refreshCount(f.closest("form")); });
})();
