// Rule form: show only the sections of the chosen "Tipo" and "Alcance", and disable the inputs
// hidden that way so they are not submitted (progressive enhancement: without JS every field is
// visible and the server refuses misplaced values with a message).
(function () {
  "use strict";
  function allowed(el, form, type, scope) {
    for (let p = el; p && p !== form; p = p.parentElement) {
      if (p.dataset.types && !p.dataset.types.split(" ").includes(type)) return false;
      if (p.dataset.scope && p.dataset.scope !== scope) return false;
    }
    return true;
  }
  function sync(form) {
    const type = (form.querySelector("[name=rule_type]") || {}).value;
    const scope = (form.querySelector("[name=scope]") || {}).value;
    form.querySelectorAll("[data-types],[data-scope]").forEach(el => {
      el.toggleAttribute("data-hidden-by-type", !allowed(el, form, type, scope));
    });
    form.querySelectorAll("input,select,textarea").forEach(input => {
      if (input.name === "csrf_token") return;
      input.disabled = !allowed(input, form, type, scope);
    });
  }
  function init(root) {
    root.querySelectorAll("form[data-regla-form]").forEach(form => {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      form.addEventListener("change", e => {
        if (e.target.name === "rule_type" || e.target.name === "scope") sync(form);
      });
      sync(form);
    });
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSwap", e => init(e.target));
})();
