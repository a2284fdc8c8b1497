/* Report progress: polls the report's status (JSON) and moves the progress bar; reloads when it finishes.
   A static file, so the pages' Content-Security-Policy (script-src 'self') allows it. */
(function () {
  "use strict";
  var box = document.querySelector("[data-report-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-report-status-url");
  var bar = box.querySelector("progress");
  var stage = box.querySelector("[data-stage]");
  var status = box.querySelector("[data-status]");
  var live = box.querySelector("[data-live]");
  var delay = 800;
  var stopped = false;
  window.addEventListener("live:stop", function () { stopped = true; });  /* tests: end the polling */

  function show(data) {
    if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
    if (stage && data.stage) { stage.textContent = data.stage; }
    if (status) { status.textContent = data.status_label; }
    if (live) { live.textContent = data.progress + "% done."; }
  }

  function poll() {
    if (stopped) { return; }
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) {
          show(data);
          if (data.finished && !stopped) { window.location.reload(); return; }
        }
        delay = Math.min(delay * 1.25, 4000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, delay);
}());
