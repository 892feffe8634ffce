// Org admin pages: row click → edit page, "select all" for bulk actions, role-dependent fields.
(function () {
  "use strict";
  const INTERACTIVE = "a, button, input, select, textarea, label, summary";

  document.addEventListener("click", e => {
    const row = e.target.closest("tr[data-href]");
    if (!row || e.target.closest(INTERACTIVE) || window.getSelection().toString()) return;
    window.location.assign(row.dataset.href);
  });

  document.addEventListener("change", e => {
    const all = e.target.closest("[data-select-all]");
    if (all) {
      const form = all.closest("form");
      form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)
        .forEach(cb => { cb.checked = all.checked; });
    }
    if (e.target.matches("[data-role-select]")) syncRole(e.target.closest("form"));
  });

  function syncRole(root) {
    if (!root) return;
    const select = root.querySelector("[data-role-select]");
    if (!select) return;
    root.querySelectorAll("[data-when-role]").forEach(el => { el.hidden = el.dataset.whenRole !== select.value; });
    root.querySelectorAll("[data-unless-role]").forEach(el => { el.hidden = el.dataset.unlessRole === select.value; });
  }

  document.addEventListener("DOMContentLoaded", () => syncRole(document));
  document.addEventListener("htmx:afterSettle", () => syncRole(document));
})();
