// The console works as plain HTML; this script adds what a page cannot do alone: the request
// log updating itself, a request's bodies opening in place, and a confirmation before reset.
// Every piece of markup it inserts was rendered and escaped by the emulator.
"use strict";

const POLL_MS = 1000;
const MAX_ROWS = 500;

function confirmForms() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

function faultKinds() {
  const form = document.querySelector(".fault-form");
  if (!form) return;
  const show = () => {
    const kind = form.querySelector("input[name=kind]:checked")?.value;
    for (const field of form.querySelectorAll("[data-kind]")) {
      field.hidden = field.dataset.kind !== kind;
    }
  };
  form.addEventListener("change", show);
  show();
}

function expandableRows(tbody) {
  tbody.addEventListener("click", async (event) => {
    const link = event.target.closest("a.detail-link");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const row = link.closest("tr");
    const open = row.nextElementSibling;
    if (open && open.classList.contains("detail")) {
      open.remove();
      link.setAttribute("aria-expanded", "false");
      return;
    }
    const response = await fetch(`${link.getAttribute("href")}?fragment=1`, { cache: "no-store" });
    const detail = document.createElement("tr");
    detail.className = "detail";
    const cell = document.createElement("td");
    cell.colSpan = row.children.length;
    if (response.ok) {
      cell.innerHTML = await response.text();
    } else {
      cell.textContent = "This request is no longer in the log.";
    }
    detail.append(cell);
    row.after(detail);
    link.setAttribute("aria-expanded", "true");
  });
}

function liveLog(section) {
  const tbody = section.querySelector("#log-rows");
  const note = section.querySelector("#log-live");
  const toggle = section.querySelector("#live-toggle");
  const faults = document.querySelector("#fault-list");
  let cursor = Number(section.dataset.cursor);
  let paused = false;
  let inFlight = false;
  let timer = null;

  const poll = async () => {
    timer = null;
    inFlight = true;
    try {
      const url = new URL(section.dataset.poll, window.location.href);
      url.searchParams.set("after", String(cursor));
      const response = await fetch(url, { cache: "no-store" });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      cursor = data.cursor;
      if (data.new) {
        tbody.insertAdjacentHTML("afterbegin", data.rows);
        while (tbody.rows.length > MAX_ROWS) tbody.deleteRow(-1);
        note.textContent = `${data.new} new request${data.new === 1 ? "" : "s"}; live.`;
      }
      if (faults) faults.innerHTML = data.faults;
      for (const [name, value] of Object.entries(data.counts)) {
        const count = document.querySelector(`[data-count="${name}"]`);
        if (count) count.textContent = String(value);
      }
    } catch (error) {
      note.textContent = `Live updates paused: the emulator did not answer (${error.message}). Retrying.`;
    }
    inFlight = false;
    if (!paused && timer === null) timer = window.setTimeout(poll, POLL_MS);
  };

  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    paused = !paused;
    toggle.setAttribute("aria-pressed", String(paused));
    note.textContent = paused ? "Live updates paused." : "Live updates on.";
    if (paused && timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    } else if (!paused && timer === null && !inFlight) {
      poll();
    }
  });
  timer = window.setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  confirmForms();
  faultKinds();
  const section = document.querySelector("#log[data-poll]");
  if (section) {
    expandableRows(section.querySelector("#log-rows"));
    liveLog(section);
  }
});
