/* The mitigation editor's risk picker: a text filter over its checkbox list (title, component, status).
   Without JavaScript the filter stays hidden and the list is a plain list of checkboxes. Checked risks
   always stay visible, so that a filter never hides what will be saved. */
(function () {
  "use strict";

  function filter(picker) {
    var input = picker.querySelector("[data-picker-filter] input");
    var q = (input && input.value || "").trim().toLowerCase();
    var items = picker.querySelectorAll(".picker-list li");
    var shown = 0;
    items.forEach(function (li) {
      var box = li.querySelector("input[type=checkbox]");
      var ok = !q || (box && box.checked) || li.textContent.toLowerCase().indexOf(q) !== -1;
      li.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var count = picker.querySelector(".picker-count");
    if (count) { count.textContent = q ? shown + " of " + items.length + " shown" : ""; }
  }

  function enable(root) {
    (root || document).querySelectorAll("[data-risk-picker] [data-picker-filter][hidden]").forEach(function (p) {
      p.hidden = false;
    });
  }

  document.addEventListener("input", function (e) {
    var picker = e.target.closest && e.target.closest("[data-risk-picker]");
    if (picker && e.target.type === "search") { filter(picker); }
  });
  document.addEventListener("keydown", function (e) {  // Enter in the filter must not submit the form
    if (e.key === "Enter" && e.target.closest && e.target.closest("[data-picker-filter]")) { e.preventDefault(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enable(); });
  } else { enable(); }
  document.addEventListener("htmx:afterSettle", function (e) { enable(e.target); });
  document.addEventListener("htmx:oobAfterSwap", function (e) { enable(e.target); });
}());
