/* Reordering the cards of a lane in the workshop diagram: drag a card up or down within its lane, or
   focus it and press Alt+ArrowUp / Alt+ArrowDown. The new order is posted to the server (which keeps it
   in Component.position); the live update then redraws the diagram for everyone. */
(function () {
  "use strict";
  var root = document.getElementById("workshop");
  if (!root || root.dataset.canEdit !== "true" || !root.dataset.reorderUrl) { return; }
  var DRAG_THRESHOLD = 6;

  function lane(card) {
    var svg = card.closest("svg");
    return Array.prototype.slice.call(svg.querySelectorAll('a.card-link[data-kind="' + card.dataset.kind + '"]'));
  }

  function say(text) {
    var status = document.getElementById("ws-status") || document.querySelector("[role=status]");
    if (status) { status.textContent = text; }
  }

  function post(kind, ids, focusId) {
    var token = "";
    try { token = JSON.parse(root.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (err) { return; }
    var body = new URLSearchParams();
    body.append("kind", kind);
    ids.forEach(function (id) { body.append("order", id); });
    fetch(root.dataset.reorderUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": token, "HX-Request": "true" }
    }).then(function (response) {
      if (!response.ok) { say("The order was not saved: reload the page and try again."); return; }
      say("Order saved.");
      document.body.dispatchEvent(new CustomEvent("workshop:refresh", { bubbles: true }));
      if (focusId) {
        var tries = 0;
        var refocus = function () {
          var card = document.querySelector('svg.diagram-svg:not([hidden]) a.card-link[data-component="' + focusId + '"]');
          if (card && document.activeElement !== card && card.getClientRects().length) { card.focus(); }
          if (++tries < 20) { window.setTimeout(refocus, 150); }
        };
        window.setTimeout(refocus, 150);
      }
    });
  }

  function move(card, delta) {
    var cards = lane(card);
    var ids = cards.map(function (c) { return c.dataset.component; });
    var from = ids.indexOf(card.dataset.component);
    var to = from + delta;
    if (to < 0 || to >= ids.length) { return; }
    ids.splice(to, 0, ids.splice(from, 1)[0]);
    post(card.dataset.kind, ids, card.dataset.component);
  }

  document.addEventListener("keydown", function (e) {
    if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) { return; }
    var card = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("a.card-link[data-kind]") : null;
    if (!card) { return; }
    e.preventDefault();
    move(card, e.key === "ArrowUp" ? -1 : 1);
  });

  var drag = null;
  document.addEventListener("pointerdown", function (e) {
    var card = e.target.closest && e.target.closest("a.card-link[data-kind]");
    if (!card || e.button !== 0) { return; }
    drag = { card: card, y: e.clientY, moved: false };
  });
  document.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dy) < DRAG_THRESHOLD) { return; }
    drag.moved = true;
    drag.card.classList.add("is-dragging");
    drag.card.setAttribute("transform", "translate(0 " + dy / scale(drag.card) + ")");
  });
  document.addEventListener("pointerup", function (e) {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    if (!d.moved) { return; }
    d.card.classList.remove("is-dragging");
    d.card.removeAttribute("transform");
    var cards = lane(d.card);
    var others = cards.filter(function (c) { return c !== d.card; });
    var index = others.filter(function (c) {
      var box = c.getBoundingClientRect();
      return box.top + box.height / 2 < e.clientY;
    }).length;
    var ids = others.map(function (c) { return c.dataset.component; });
    ids.splice(index, 0, d.card.dataset.component);
    var before = cards.map(function (c) { return c.dataset.component; });
    if (ids.join(",") !== before.join(",")) { post(d.card.dataset.kind, ids, null); }
    /* the click that ends a drag must not open the editor */
    var stop = function (ev) { ev.preventDefault(); ev.stopImmediatePropagation(); };
    d.card.addEventListener("click", stop, { capture: true, once: true });
    window.setTimeout(function () { d.card.removeEventListener("click", stop, { capture: true }); }, 400);
  });

  function scale(card) {
    var svg = card.closest("svg");
    var box = svg.getBoundingClientRect();
    var view = svg.viewBox && svg.viewBox.baseVal;
    return view && view.height ? box.height / view.height : 1;
  }
}());
