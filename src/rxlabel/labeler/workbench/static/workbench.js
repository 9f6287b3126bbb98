// The report page: keyboard and mouse decisions, the finding editor with autocomplete. No framework.
(function () {
  "use strict";
  const W = JSON.parse(document.getElementById("wb-data").textContent);
  const draft = Object.assign({}, W.suggested);
  const $ = (id) => document.getElementById(id);
  const input = $("finding"), list = $("complete"), status = $("status");
  let picks = [], selected = 0, busy = false;

  function certainty() { return document.querySelector("input[name=certainty]:checked").value; }
  function setCertainty(value) {
    const box = document.querySelector(`input[name=certainty][value="${value}"]`);
    if (box) { box.checked = true; say(`certainty ${value}`); }
  }
  function say(text, bad) { status.textContent = text; status.className = bad ? "bad" : ""; }

  function renderDraft() {
    const box = $("draft");
    box.innerHTML = "";
    const names = Object.keys(draft).sort();
    if (!names.length) { box.innerHTML = "<i>nothing stated (normal)</i>"; }
    for (const name of names) {
      const chip = document.createElement("span");
      chip.className = `chip v${draft[name]}`;
      chip.textContent = `${name}=${draft[name]}`;
      chip.title = "click: 1 → 0 → -1 → removed";
      chip.dataset.finding = name;
      chip.addEventListener("click", () => {
        const next = { 1: 0, 0: -1, "-1": null }[draft[name]];
        if (next === null) delete draft[name]; else draft[name] = next;
        renderDraft();
      });
      box.appendChild(chip);
    }
  }

  function matches(typed) {
    const q = typed.split("=")[0].trim().toLowerCase();
    if (!q) return [];
    const starts = W.findings.filter((f) => f.startsWith(q));
    const inside = W.findings.filter((f) => !f.startsWith(q) && f.includes(q));
    return starts.concat(inside).slice(0, 8);
  }
  function renderPicks() {
    list.innerHTML = "";
    picks.forEach((f, i) => {
      const li = document.createElement("li");
      li.textContent = f;
      if (i === selected) li.className = "sel";
      li.addEventListener("mousedown", (e) => { e.preventDefault(); complete(f); });
      list.appendChild(li);
    });
  }
  function complete(name) {
    const value = input.value.includes("=") ? input.value.slice(input.value.indexOf("=")) : "=";
    input.value = name + value;
    picks = []; renderPicks();
  }
  function addTyped() {
    const text = input.value.trim();
    if (!text) return false;
    const at = text.lastIndexOf("=");
    let name = (at >= 0 ? text.slice(0, at) : text).trim().toLowerCase();
    const value = at >= 0 && text.slice(at + 1).trim() !== "" ? text.slice(at + 1).trim() : "1";
    if (!W.findings.includes(name) && picks.length) name = picks[selected];
    if (!W.findings.includes(name)) { say(`unknown finding '${name}'`, true); return false; }
    if (!["1", "0", "-1"].includes(value)) { say(`'${value}': a finding is 1, 0 or -1`, true); return false; }
    draft[name] = Number(value);
    input.value = ""; picks = []; renderPicks(); renderDraft();
    say(`${name}=${value} in the draft; s saves`);
    return true;
  }

  async function save(action, opts) {
    opts = opts || {};
    if (busy) return null;
    busy = true;
    say("saving…");
    const body = { report_id: W.rid, action: action, certainty: certainty(), comment: $("comment").value,
                   source: W.source, findings: action === "set" ? draft : null };
    try {
      const r = await fetch("/api/decision", { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify(body) });
      const data = await r.json();
      if (!r.ok) { say(data.error || data.detail || `error ${r.status}`, true); return null; }
      say(`saved #${data.id} (${action}, certainty ${body.certainty})`);
      window.rxLastSaved = data;
      if (opts.navigate !== false) location = W.todo || W.back;
      return data;
    } catch (err) {
      say(`not saved: ${err}`, true);
      return null;
    } finally { busy = false; }
  }
  window.rxSave = save;  // tests and power users: rxSave("accept", {navigate: false})

  function addProposals() {
    let n = 0;
    for (const p of W.proposals || []) if (p.p >= W.propose && !(p.finding in draft)) { draft[p.finding] = 1; n++; }
    renderDraft(); say(`${n} proposal(s) added to the draft`);
  }

  input.addEventListener("input", () => { picks = matches(input.value); selected = 0; renderPicks(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && picks.length) { e.preventDefault(); complete(picks[selected]); }
    else if (e.key === "ArrowDown" && picks.length) { e.preventDefault(); selected = (selected + 1) % picks.length; renderPicks(); }
    else if (e.key === "ArrowUp" && picks.length) { e.preventDefault(); selected = (selected + picks.length - 1) % picks.length; renderPicks(); }
    else if (e.key === "Enter") { e.preventDefault(); if (!input.value.trim()) input.blur(); else addTyped(); }
    else if (e.key === "Escape") { input.value = ""; picks = []; renderPicks(); input.blur(); }
  });
  $("comment").addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === "Escape") { e.preventDefault(); e.target.blur(); } });

  const levels = ["0", "0.25", "0.5", "0.75", "1"];
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "radio") return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const go = (url) => { if (url) location = url; };
    const keys = {
      a: () => save("accept"), A: () => save("accept_all"), n: () => save("normal"), x: () => save("reject"),
      s: () => save("set"), p: addProposals, i: () => setCertainty("INVALID"),
      f: () => input.focus(), "/": () => input.focus(), c: () => $("comment").focus(),
      j: () => go(W.next), ArrowRight: () => go(W.next), k: () => go(W.prev), ArrowLeft: () => go(W.prev),
      u: () => go(W.todo),
    };
    if (e.key in keys) { e.preventDefault(); keys[e.key](); }
    else if (/^[0-4]$/.test(e.key)) { e.preventDefault(); setCertainty(levels[Number(e.key)]); }
  });
  document.querySelectorAll("button[data-action]").forEach((b) =>
    b.addEventListener("click", () => save(b.dataset.action)));
  renderDraft();
})();
