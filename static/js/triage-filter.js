/* Filter and search the workshop's suggestion list: text (title, reasons, tags), category, component,
   framework item and least score. Client side over the rendered cards; re-applied after live updates. */
(function () {
  "use strict";

  function apply() {
    var form = document.getElementById("suggestion-filter");
    var list = document.querySelector("[data-list=suggestions]");
    if (!form || !list) { return; }
    var q = (form.elements.q.value || "").trim().toLowerCase();
    var category = form.elements.category.value;
    var component = form.elements.component.value;
    var framework = (form.elements.framework.value || "").trim().toLowerCase();
    var score = parseInt(form.elements.score.value || "0", 10);
    var items = list.querySelectorAll(".suggestion");
    var shown = 0;
    items.forEach(function (item) {
      var ok = (!q || item.textContent.toLowerCase().indexOf(q) !== -1)
        && (!category || item.dataset.category === category)
        && (!component || (item.dataset.components || "").split("|").indexOf(component) !== -1)
        && (!framework || (item.dataset.refs || "").toLowerCase().indexOf(framework) !== -1)
        && (!score || parseInt(item.dataset.score || "0", 10) >= score);
      item.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var count = form.querySelector(".filter-count");
    var filtering = q || category || component || framework || score;
    if (count) { count.textContent = filtering ? shown + " of " + items.length + " shown" : ""; }
  }

  document.addEventListener("input", function (e) {
    if (e.target.closest && e.target.closest("#suggestion-filter")) { apply(); }
  });
  document.addEventListener("change", function (e) {
    if (e.target.closest && e.target.closest("#suggestion-filter")) { apply(); }
  });
  document.addEventListener("submit", function (e) {
    if (e.target.id === "suggestion-filter") { e.preventDefault(); apply(); }
  });
  document.body.addEventListener("htmx:afterSettle", apply);
  document.body.addEventListener("htmx:oobAfterSwap", apply);
}());
