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
  // Row actions ("Abrir", "Cerrar ventas"…) answer with HX-Redirect back to the list, which reloads the page and
  // would drop keyboard focus on <body>: remember the row and focus its first action again after the reload.
  const KEY = "draws:focus-row";
  document.addEventListener("htmx:beforeRequest", e => {
    const form = e.target.closest && e.target.closest("form.inline");
    const link = form && form.closest("tr") && form.closest("tr").querySelector("a[href]");
    try { if (link) sessionStorage.setItem(KEY, link.getAttribute("href")); } catch (err) { /* storage off */ }
  });
  document.addEventListener("htmx:afterRequest", e => {  // refused in place (no reload): forget the row
    const xhr = e.detail && e.detail.xhr;
    if (xhr && !xhr.getResponseHeader("HX-Redirect")) { try { sessionStorage.removeItem(KEY); } catch (err) { /* off */ } }
  });
  // "Reabrir" / "Revertir evaluación" in the list link to the detail's #form-…: open that box and put the
  // cursor on its "Motivo" instead of leaving a closed <details> and focus on <body>.
  function openFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    const box = /^form-[a-z-]+$/.test(id) && document.getElementById(id);
    if (!box || box.tagName !== "DETAILS") return;
    box.open = true;
    const field = box.querySelector("textarea, input:not([type=hidden]), select");
    box.scrollIntoView({block: "center"});
    // After the browser's own scroll to the fragment, which would otherwise take the focus back.
    if (field) setTimeout(() => field.focus(), 0);
  }
  window.addEventListener("load", openFromHash);
  window.addEventListener("hashchange", openFromHash);
  document.addEventListener("DOMContentLoaded", () => {
    let href = null;
    try { href = sessionStorage.getItem(KEY); sessionStorage.removeItem(KEY); } catch (err) { return; }
    if (!href) return;
    const link = Array.from(document.querySelectorAll("tr a[href]")).find(a => a.getAttribute("href") === href);
    const row = link && link.closest("tr");
    const target = (row && row.querySelector(".actions button:not([disabled]), .actions a")) || link;
    if (target) target.focus();
  });
})();
