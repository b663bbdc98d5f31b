// rls-monitor web page: the live status of tonight's night (server-sent events), and the
// morning page's night picker. No inline script anywhere: the page's CSP allows only this file.
"use strict";

function setText(root, key, text) {
  const el = root.querySelector('[data-key="' + key + '"]');
  if (el) { el.textContent = text; }
}

function showStatus(root, s) {
  setText(root, "night", s.night === null ? "starting" : String(s.night));
  const band = (s.bands && s.bands[0]) || null;
  if (band) {
    setText(root, "state", band.state);
    setText(root, "samples", String(band.samples));
    setText(root, "recorded", band.recorded_s.toFixed(0) + " s");
    setText(root, "gaps", String(band.gaps_filled));
    setText(root, "battery", band.battery_pct === null ? "?" : band.battery_pct.toFixed(0) + " %");
    setText(root, "signal", band.signal);
  }
  const counted = s.lm_count !== null && s.lm_count !== undefined;
  setText(root, "lms", counted ? String(s.lm_count) : "0");
  const first = root.querySelector('[data-key="first-count"]');
  if (first) {
    first.hidden = counted;
    if (s.first_count) { first.textContent = "(" + s.first_count + ")"; }
  }
  setText(root, "line", s.line);
}

function followLive() {
  const root = document.getElementById("live");
  if (!root || !window.EventSource) { return; }
  const source = new EventSource(root.dataset.live);
  source.onmessage = function (ev) { showStatus(root, JSON.parse(ev.data)); };
  source.addEventListener("end", function () {
    source.close();
    window.location.reload();  // the night is stored: show where to read it
  });
}

function pickNight() {
  const select = document.getElementById("night-select");
  if (!select) { return; }
  select.addEventListener("change", function () {
    window.location.href = "/morning/" + encodeURIComponent(select.value);
  });
}

document.addEventListener("DOMContentLoaded", function () {
  followLive();
  pickNight();
});
