// Shell behaviour: server clock, countdowns, theme, menu drawer, connection state, toasts, phone filters.
(function () {
  "use strict";
  const body = document.body;
  const serverEpoch = Number(body.dataset.serverEpoch || 0) * 1000;
  // Offset between the server clock and this device, measured at page load (UX §2.2).
  const offset = serverEpoch ? serverEpoch - Date.now() : 0;
  window.bancaNow = () => Date.now() + offset;

  const fmtClock = new Intl.DateTimeFormat("es-CR", {timeZone: "America/Costa_Rica", hour: "numeric", minute: "2-digit", second: "2-digit", hour12: true});

  function pad(n) { return String(n).padStart(2, "0"); }
  window.bancaCountdown = function (ms) {
    if (ms <= 0) return "Cerrado";
    const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
  };

  function tick() {
    const now = window.bancaNow();
    const clock = document.getElementById("reloj");
    if (clock) clock.textContent = fmtClock.format(new Date(now));
    document.querySelectorAll("[data-epoch]").forEach(el => {
      const left = Number(el.dataset.epoch) * 1000 - now;
      el.textContent = window.bancaCountdown(left);
      el.classList.toggle("soon", left > 0 && left < 5 * 60 * 1000);
      el.classList.toggle("closed", left <= 0);
    });
    document.dispatchEvent(new CustomEvent("banca:tick", {detail: {now}}));
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);

  // Theme: follows prefers-color-scheme until the user picks one (stored locally and on the user).
  const root = document.documentElement;
  const saved = localStorage.getItem("banca-theme");
  // A logged-in user's choice comes from the server (user.settings.theme); "" = follow the system.
  if (saved && !root.dataset.theme && !root.hasAttribute("data-theme-user")) root.dataset.theme = saved;
  document.addEventListener("click", e => {
    const t = e.target.closest("[data-theme-toggle]");
    if (t) {
      const dark = root.dataset.theme ? root.dataset.theme === "oscuro" : matchMedia("(prefers-color-scheme: dark)").matches;
      root.dataset.theme = dark ? "claro" : "oscuro";
      localStorage.setItem("banca-theme", root.dataset.theme);
      // The enclosing form (top bar) stores the choice on the user (POST /mi-cuenta/tema).
      const value = t.form && t.form.querySelector("[data-theme-value]");
      if (value) value.value = root.dataset.theme;
    }
    const m = e.target.closest("[data-menu-toggle]");
    if (m) {
      const sb = document.getElementById("sidebar");
      if (sb) { sb.classList.toggle("open"); m.setAttribute("aria-expanded", sb.classList.contains("open")); }
    } else if (!e.target.closest("#sidebar")) {
      closeDrawer(false);  // a tap outside the open drawer closes it
    }
  });
  function closeDrawer(focusToggle) {
    const sb = document.getElementById("sidebar");
    if (!sb || !sb.classList.contains("open")) return;
    sb.classList.remove("open");
    const m = document.querySelector("[data-menu-toggle]");
    if (m) { m.setAttribute("aria-expanded", "false"); if (focusToggle) m.focus(); }
  }
  document.addEventListener("keydown", e => { if (e.key === "Escape") closeDrawer(true); });

  // Connection indicator.
  function net() {
    const el = document.getElementById("conexion");
    if (!el) return;
    el.textContent = navigator.onLine ? "En línea" : "Sin conexión";
    el.classList.toggle("offline", !navigator.onLine);
    document.body.classList.toggle("is-offline", !navigator.onLine);
  }
  addEventListener("online", net); addEventListener("offline", net);
  document.addEventListener("DOMContentLoaded", net);

  // Toasts: HX-Trigger {"toast": {"message": "...", "level": "success"}}; auto-hide 4 s, errors stay.
  window.bancaToast = function (message, level) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "alert alert-" + (level || "success");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    el.textContent = message;
    const close = document.createElement("button");
    close.className = "close"; close.type = "button"; close.setAttribute("aria-label", "Cerrar"); close.textContent = "×";
    close.onclick = () => el.remove();
    el.appendChild(close);
    box.appendChild(el);
    if (level !== "error") {
      let timer = setTimeout(() => el.remove(), 4000);
      el.addEventListener("mouseenter", () => clearTimeout(timer));
      el.addEventListener("mouseleave", () => { timer = setTimeout(() => el.remove(), 2000); });
    }
  };
  // Server flashes (#avisos) auto-hide like toasts; errors stay until closed; hover pauses.
  function autoHide(root) {
    (root || document).querySelectorAll("#avisos .alert:not(.alert-error):not([data-timed])").forEach(el => {
      el.dataset.timed = "1";
      let timer = setTimeout(() => el.remove(), 4000);
      el.addEventListener("mouseenter", () => clearTimeout(timer));
      el.addEventListener("mouseleave", () => { timer = setTimeout(() => el.remove(), 2000); });
    });
  }
  document.addEventListener("DOMContentLoaded", () => autoHide(document));
  document.addEventListener("htmx:afterSettle", () => autoHide(document));
  document.addEventListener("toast", e => window.bancaToast(e.detail.message, e.detail.level));
  document.addEventListener("htmx:sendError", () => window.bancaToast("Sin conexión con el servidor. Intente de nuevo.", "error"));
  document.addEventListener("htmx:responseError", e => {
    if (e.detail.xhr && e.detail.xhr.status >= 500) window.bancaToast("Ocurrió un error inesperado. Intente de nuevo.", "error");
  });

  // Phones (UX §7.13): a GET filter row with more than two fields collapses behind "Filtros (n)",
  // n = filters in use. The open/closed choice survives the HTMX swaps the filters trigger.
  const filtersOpen = {};
  const FILTER_IGNORED = ["orden", "page", "por_pagina"];
  function filterFields(form) {
    return [...form.elements].filter(el => el.name && !FILTER_IGNORED.includes(el.name) &&
      !["hidden", "submit", "button", "reset"].includes(el.type) && el.tagName !== "BUTTON");
  }
  function filtersInUse(form) {
    return filterFields(form).filter(el => el.tagName === "SELECT" ? el.selectedIndex > 0
      : (el.type === "checkbox" || el.type === "radio") ? el.checked : el.value.trim() !== "").length;
  }
  function setupFilters(root) {
    if (!root || !root.querySelectorAll) return;
    const forms = root.matches && root.matches("form.filters") ? [root] : [...root.querySelectorAll("form.filters")];
    forms.forEach(form => {
      if ((form.getAttribute("method") || "get").toLowerCase() !== "get" || form.dataset.filtersToggle) return;
      if (filterFields(form).length <= 2) return;
      const key = form.getAttribute("action") || location.pathname;
      if (!form.id) form.id = "filtros-" + key.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "btn filters-toggle";
      btn.setAttribute("aria-controls", form.id);
      const n = filtersInUse(form);
      btn.textContent = n ? `Filtros (${n})` : "Filtros";
      const sync = () => {
        form.classList.toggle("filters-collapsed", !filtersOpen[key]);
        btn.setAttribute("aria-expanded", filtersOpen[key] ? "true" : "false");
      };
      btn.addEventListener("click", () => { filtersOpen[key] = !filtersOpen[key]; sync(); });
      form.dataset.filtersToggle = "1";
      form.before(btn);
      sync();
    });
  }
  document.addEventListener("DOMContentLoaded", () => setupFilters(document));
  document.addEventListener("htmx:load", e => setupFilters(e.detail.elt));

  // Confirm dialogs: <button data-confirm="Texto">.
  document.addEventListener("submit", e => {
    const btn = e.submitter;
    const msg = (btn && btn.dataset.confirm) || e.target.dataset.confirm;
    if (msg && !confirm(msg)) { e.preventDefault(); e.stopPropagation(); }
  }, true);
})();
