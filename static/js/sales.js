// Sales pages (UX §2, §3): entry-row chips, keyboard shortcuts, printing through a hidden iframe,
// dialogs, premios helpers. The server stays the authority: chips are only a rendering of what was
// typed; every group, total and sale comes back from the server.
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const SEPARATORS = " ,.\t\r\n";
  const TICKET_RE = /^T\d{6}-\d{5,6}$/i;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function toast(msg, level) { if (window.bancaToast) window.bancaToast(msg, level); }
  function colones(n) { return "₡" + String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " "); }

  // ------------------------------------------------------------------ printing (UX §2.7)
  function printFrame() {
    let frame = document.getElementById("print-frame");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "print-frame";
      frame.title = "Impresión";
      frame.setAttribute("aria-hidden", "true");
      frame.tabIndex = -1;
      frame.style.cssText = "position:fixed;right:0;bottom:0;width:0;height:0;border:0;visibility:hidden";
      document.body.appendChild(frame);
    }
    return frame;
  }
  function messageOf(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const el = doc.querySelector(".alert, [role=alert], p");
    return (el ? el.textContent : doc.body.textContent || "").trim() || "No se pudo imprimir.";
  }
  // POST (audited print) or GET (voucher); the receipt prints from the hidden iframe, the page stays.
  window.bancaPrint = async function (url, method) {
    method = method || "POST";
    let resp;
    try {
      resp = await fetch(url, {method, credentials: "same-origin",
        headers: method === "POST" ? {"X-CSRFToken": csrfToken()} : {}});
    } catch (e) { toast("Sin conexión con el servidor: no se pudo imprimir.", "error"); return; }
    const html = await resp.text();
    if (!resp.ok) { toast(messageOf(html), "error"); return; }
    const frame = printFrame();
    frame.onload = () => {
      if (!frame.srcdoc) return;
      document.body.dataset.lastPrint = url;
      document.dispatchEvent(new CustomEvent("banca:printed", {detail: {url}}));
      const back = document.activeElement;
      try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { /* printing blocked */ }
      // Keyboard focus comes back to the page (Ctrl+P, F9… must keep working).
      window.focus();
      const target = (back && back !== document.body && document.contains(back)) ? back : $("#numeros") || $("#tiquete");
      if (target) target.focus();
    };
    frame.srcdoc = html;
  };
  document.addEventListener("submit", e => {
    const form = e.target.closest("[data-print-form]");
    if (!form || e.defaultPrevented) return;
    e.preventDefault();
    window.bancaPrint(form.action, "POST");
  });
  document.addEventListener("click", e => {
    const link = e.target.closest("a[data-voucher]");
    if (!link) return;
    e.preventDefault();
    window.bancaPrint(link.href, "GET");
  });

  // ------------------------------------------------------------------ dialogs
  function clearDialog() {
    const box = document.getElementById("dialogo");
    if (box) box.innerHTML = "";
    const entry = $("#numeros");
    if (entry) entry.focus();
  }
  function openDialogs(root) {
    $$("dialog[data-modal]", root || document).forEach(d => {
      if (!d.open) d.showModal();
      const af = $("[autofocus]", d);
      if (af) af.focus();
      d.addEventListener("close", clearDialog, {once: true});
    });
  }
  document.addEventListener("click", e => {
    if (e.target.closest("[data-close-dialog]")) {
      const d = e.target.closest("dialog");
      if (d && d.open) d.close(); else clearDialog();
    }
  });

  // ------------------------------------------------------------------ entry row chips (UX §2.3)
  function tokenCount(text) {
    const m = /^(\d+)-(\d+)$/.exec(text);
    if (m) return Math.abs(Number(m[2]) - Number(m[1])) + 1;
    return text.includes("*") ? 10 : 1;
  }

  function initEntry() {
    const form = $("#entrada");
    const field = $("#numeros");
    if (!form || !field || form.dataset.ready) return;
    form.dataset.ready = "1";
    const digits = Number(form.dataset.digits || 2);
    const box = $("[data-chips]", form);
    const preview = $("[data-preview]", form);
    const defaultPreview = preview ? preview.textContent : "";
    const monto = $("#monto", form);
    const mult = $("#multiplicador", form);
    const rev = $("#reventado", form);
    // The visible field keeps only what is still being typed; the server gets chips + remainder.
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "numeros";
    form.appendChild(hidden);
    field.removeAttribute("name");
    let chips = [];
    let rangeOpen = false;
    let error = "";

    function render() {
      box.innerHTML = "";
      chips.forEach(c => {
        const el = document.createElement("span");
        el.className = "chip chip-pend";
        el.textContent = c.text + (c === chips[chips.length - 1] && rangeOpen ? "-" : "");
        box.appendChild(el);
      });
      hidden.value = (chips.map(c => c.text).join(" ") + (rangeOpen ? "-" : "") + " " + field.value).trim();
      const n = chips.reduce((a, c) => a + tokenCount(c.text), 0);
      const amount = Number((monto && monto.value || "").replace(/\D/g, "")) || 0;
      const revAmount = Number((rev && rev.value || "").replace(/\D/g, "")) || 0;
      if (error) { preview.textContent = error; preview.classList.add("error"); }
      else if (n) {
        preview.classList.remove("error");
        const total = n * amount + (revAmount ? n * revAmount : 0);
        preview.textContent = `Se agregarán ${n} número${n === 1 ? "" : "s"}${amount ? " (" + colones(total) + ")" : ""}`;
      } else { preview.classList.remove("error"); preview.textContent = defaultPreview; }
    }

    function add(text) {
      if (rangeOpen) {
        const start = chips[chips.length - 1];
        start.text = start.text + "-" + text;
        rangeOpen = false;
      } else chips.push({text});
    }

    function absorb() {
      const value = field.value;
      if (/^[tT]/.test(value)) { error = ""; render(); return; } // a tiquete number being scanned
      let buf = "", star = false;
      error = "";
      for (const ch of value) {
        if (SEPARATORS.includes(ch)) continue;
        if (ch >= "0" && ch <= "9") {
          if (star) { add("*" + ch); star = false; continue; }
          buf += ch;
          if (buf.length === digits) { add(buf); buf = ""; }
        } else if (ch === "*") {
          if (digits !== 2) { error = "Las decenas y terminales (3*, *7) solo se usan en loterías de 2 cifras."; continue; }
          if (rangeOpen || star) { error = "Complete el rango o la terminal antes de escribir otro *."; continue; }
          if (buf.length === 1) { add(buf + "*"); buf = ""; }
          else if (!buf) star = true;
        } else if (ch === "-") {
          const last = chips[chips.length - 1];
          if (buf || star || rangeOpen || !last || /[-*]/.test(last.text)) {
            error = "El guion va justo después de un número: por ejemplo 10-19."; continue;
          }
          rangeOpen = true;
        } else {
          error = `«${ch}» no se puede usar en Números: escriba cifras, - (rango) o * (decena o terminal).`;
        }
      }
      field.value = (star ? "*" : "") + buf;
      render();
    }

    function clearGroup() { chips = []; rangeOpen = false; field.value = ""; error = ""; render(); }

    function submitGroup() {
      render();
      if (!hidden.value) { field.focus(); return; }
      form.requestSubmit();
    }

    field.addEventListener("input", absorb);
    field.addEventListener("keydown", e => {
      if (e.key === "Enter") {
        e.preventDefault();
        const value = field.value.trim();
        if (TICKET_RE.test(value)) { openTicket(value); field.value = ""; render(); return; }
        if (/^[tT]/.test(value)) { error = "Número de tiquete incompleto: T y 6 cifras, guion y el consecutivo."; render(); return; }
        submitGroup();
      } else if (e.key === "Backspace" && !field.value && !e.ctrlKey) {
        if (chips.length) { e.preventDefault(); chips.pop(); rangeOpen = false; error = ""; render(); }
      }
    });
    // Esc anywhere in the entry row clears the pending chips (not the tiquete).
    form.addEventListener("keydown", e => {
      if (e.key === "Escape") { e.preventDefault(); clearGroup(); field.focus(); }
    });
    if (monto) {
      monto.addEventListener("focus", () => monto.select());
      monto.addEventListener("input", render);
      monto.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); field.focus(); } });
    }
    if (mult) mult.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); monto && monto.focus(); } });
    if (rev) {
      rev.addEventListener("input", render);
      rev.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); submitGroup(); } });
    }
    form.addEventListener("htmx:configRequest", render);
    form.addEventListener("htmx:afterRequest", e => {
      if (e.detail.elt !== form) return;
      if (e.detail.successful && e.detail.xhr.status < 300) {
        clearGroup();
        if (rev) rev.value = "";
        field.focus();
      } else {
        const bad = $("#entrada-errores [data-field=monto]") ? monto : field;
        if (bad) bad.focus();
      }
    });
    if (field.value) absorb(); else render();
    form._clearGroup = clearGroup;
  }

  function vendedorParam() {
    const v = $("#venta input[name=vendedor], #venta-vendedor");
    return v && v.value ? "&vendedor=" + encodeURIComponent(v.value) : "";
  }
  function openTicket(number) {
    htmx.ajax("GET", "/tiquetes/buscar?numero=" + encodeURIComponent(number.toUpperCase()) + vendedorParam(),
              {target: "#dialogo", swap: "outerHTML"});
  }

  // ------------------------------------------------------------------ sorteo tiles (UX §2.2)
  function tiles() { return $$("#sorteos [data-tile]:not([disabled])"); }
  function focusTiles() {
    const list = tiles();
    const sel = list.find(t => t.classList.contains("selected")) || list[0];
    if (sel) sel.focus(); else toast("No hay sorteos abiertos.", "error");
  }
  document.addEventListener("keydown", e => {
    const tile = e.target.closest && e.target.closest("#sorteos [data-tile]");
    if (!tile) return;
    const list = tiles();
    const i = list.indexOf(tile);
    if (["ArrowDown", "ArrowRight"].includes(e.key)) { e.preventDefault(); (list[i + 1] || list[0]).focus(); }
    else if (["ArrowUp", "ArrowLeft"].includes(e.key)) { e.preventDefault(); (list[i - 1] || list[list.length - 1]).focus(); }
    else if (/^[1-9]$/.test(e.key)) {
      const all = $$("#sorteos [data-tile]");
      const pick = all[Number(e.key) - 1];
      if (pick && !pick.disabled) { e.preventDefault(); pick.click(); }
    }
  });

  // A sale refused with 409 may mean the sorteo was closed early (by hand, before its countdown ran out):
  // re-render the tiles now, so the closed one shows "Cerrado" and the "Pasar jugadas" banner appears.
  document.addEventListener("htmx:afterRequest", e => {
    const elt = e.detail && e.detail.elt;
    if (elt && elt.id === "venta-form" && e.detail.xhr && e.detail.xhr.status === 409) {
      htmx.trigger(document.body, "sorteo-cerrado");
    }
  });

  // Selected sorteo reached its cutoff while lines wait: ask the server (banner "Pasar jugadas").
  let closedNotified = null;
  document.addEventListener("banca:tick", e => {
    const sel = $("#sorteos [data-tile].selected");
    if (!sel || !$("#lineas input[name=j]")) return;
    const closesAt = Number(sel.dataset.cierre) * 1000;
    if (e.detail.now >= closesAt + 2000 && closedNotified !== sel.dataset.sorteoId) {
      closedNotified = sel.dataset.sorteoId;
      htmx.trigger(document.body, "sorteo-cerrado");
    }
  });

  // ------------------------------------------------------------------ chips in #lineas
  document.addEventListener("keydown", e => {
    const chip = e.target.closest && e.target.closest("#lineas [data-chip]");
    if (!chip) return;
    const all = $$("#lineas [data-chip]");
    const i = all.indexOf(chip);
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { e.preventDefault(); (all[i + 1] || chip).focus(); }
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") { e.preventDefault(); (all[i - 1] || chip).focus(); }
    else if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); chip.click(); }
  });

  // ------------------------------------------------------------------ sales-page shortcuts (UX §2.6)
  function isTyping(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && !["numeros", "monto", "reventado"].includes(el.id)
      && el.type !== "checkbox" && el.type !== "hidden") || el.isContentEditable);
  }
  function sell() {
    const form = $("#venta-form");
    if (!form) return;
    const btn = $(".btn-vender", form);
    if (!navigator.onLine) { toast("Sin conexión — no se puede vender.", "error"); return; }
    if (btn && btn.disabled) {
      toast($("#lineas input[name=j]") ? "Revise las jugadas marcadas antes de vender." : "Agregue jugadas antes de vender.", "error");
      return;
    }
    form.requestSubmit();
  }
  function reprintLast() {
    const box = $("#ultimo-tiquete");
    const url = box && box.dataset.printUrl;
    if (url) window.bancaPrint(url, "POST"); else toast("Aún no hay un tiquete para reimprimir.", "error");
  }
  function toggleLegend() {
    const legend = $("#leyenda");
    const btn = $("[data-legend-toggle]");
    if (!legend) return;
    legend.hidden = !legend.hidden;
    if (btn) btn.setAttribute("aria-expanded", String(!legend.hidden));
  }
  document.addEventListener("click", e => { if (e.target.closest("[data-legend-toggle]")) toggleLegend(); });

  document.addEventListener("keydown", e => {
    if (!$("#venta")) return;
    if ($("dialog[open]")) return; // the dialog owns the keyboard
    const t = e.target;
    if (e.key === "F4") { e.preventDefault(); focusTiles(); }
    else if (e.key === "F2") { e.preventDefault(); const m = $("#monto"); if (m) { m.focus(); m.select(); } }
    else if (e.key === "F9" || (e.key === "Enter" && (e.ctrlKey || e.metaKey))) { e.preventDefault(); sell(); }
    else if (e.key === "F8") {
      e.preventDefault();
      const f = $("#repetir-form");
      if (f) f.requestSubmit(); else toast("Aún no hay un tiquete para repetir.", "error");
    }
    else if ((e.key === "p" || e.key === "P") && (e.ctrlKey || e.metaKey)) { e.preventDefault(); reprintLast(); }
    else if (e.key === "Backspace" && e.ctrlKey && !isTyping(t)) {
      e.preventDefault();
      const undo = $("#lineas [data-undo]");
      if (undo) undo.click();
    } else if (e.key === "?" && !isTyping(t)) { e.preventDefault(); toggleLegend(); }
  });

  document.addEventListener("ticket-sold", e => {
    const venta = $("#venta");
    const f = $("#numeros");
    if (f) f.focus();
    if (venta && venta.dataset.autoPrint === "1" && e.detail && e.detail.imprimir) window.bancaPrint(e.detail.imprimir, "POST");
  });
  document.addEventListener("submit", e => {
    if (e.target.id === "venta-form" && !navigator.onLine) {
      e.preventDefault(); toast("Sin conexión — no se puede vender.", "error");
    }
  }, true);

  // ------------------------------------------------------------------ premios (UX §3.2)
  function initPayment(root) {
    const form = $("#pago-form", root);
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    const pending = Number(form.dataset.pendiente || 0);
    const monto = $("[name=monto]", form);
    const finalBox = $("[data-pago-final]", form);
    const sync = () => {
      const raw = (monto.value || "").replace(/\s|₡/g, "");
      const normalised = raw.includes(",") ? raw.replace(/\./g, "").replace(",", ".") : raw;
      const value = Number(normalised);
      const partial = value > 0 && value < pending;
      finalBox.hidden = !partial;
      if (!partial) { const cb = $("input[type=checkbox]", finalBox); if (cb) cb.checked = false; }
    };
    monto.addEventListener("input", sync);
    sync();
    monto.focus();
    monto.select();
  }
  document.addEventListener("payment-recorded", e => {
    if (e.detail && e.detail.comprobante) window.bancaPrint(e.detail.comprobante, "GET");
    const field = $("#tiquete");
    if (field) { field.focus(); field.select(); }
  });
  document.addEventListener("focusin", e => { if (e.target.matches && e.target.matches("[data-select-on-focus]")) e.target.select(); });

  // Countdowns of freshly swapped content show at once (app.js ticks every second).
  function fillCountdowns(root) {
    if (!window.bancaNow || !window.bancaCountdown) return;
    const now = window.bancaNow();
    $$("[data-epoch]", root).forEach(el => {
      if (!el.textContent) el.textContent = window.bancaCountdown(Number(el.dataset.epoch) * 1000 - now);
    });
  }

  // ------------------------------------------------------------------ wiring
  function init(root) {
    fillCountdowns(root || document);
    initEntry();
    initPayment(root || document);
    openDialogs(root);
    const auto = $("#aviso-cierre [data-autofocus]");
    if (auto && root && root.id === "aviso-cierre") auto.focus();
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:load", e => init(e.detail.elt));
  document.addEventListener("htmx:afterSettle", e => {
    const target = e.detail.target;
    if (target && target.id === "venta") { const f = $("#numeros"); if (f) f.focus(); }
    if (target && target.id === "dialogo" && !$("#dialogo dialog")) { const f = $("#numeros"); if (f) f.focus(); }
    if (target && target.id === "lineas" && $("#lineas [data-rechazo]")) { const b = $("#lineas .chip-over, #lineas .btn"); if (b) b.focus(); }
  });
})();
