/* The workshop page's own behaviour, on top of htmx (served by django-htmx).
 *
 * - live updates: the #live element polls with If-None-Match; a 304 costs the server one query.
 *   Changed regions arrive out of band and are morphed in (idiomorph): focus, the caret and open
 *   editors survive; an editor in use, the open/closed state of <details> and the heat map filter are kept.
 * - the heat map cells filter the register list;
 * - keyboard shortcuts (? shows them), presentation mode, the editor panel, presence on leave.
 * No inline scripts or styles anywhere (CSP: script-src 'self', style-src 'self').
 */
(function () {
  "use strict";

  var root = document.getElementById("workshop");
  if (!root || !window.htmx) { return; }
  var live = document.getElementById("live");
  var status = document.getElementById("ws-status");
  var filter = readFilterFromUrl();
  var lost = false;          // a live update removed something that was being edited (kept on screen)
  var pendingNext = null;    // the card to focus after an accept / dismiss from the keyboard flow

  function say(text) { if (status) { status.textContent = text; } }
  function byId(id) { return id ? document.getElementById(id) : null; }

  /* ---- live updates -------------------------------------------------------------------------- */

  document.body.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.elt === live && live.dataset.etag) {
      e.detail.headers["If-None-Match"] = live.dataset.etag;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt !== live) { return; }
    var xhr = e.detail.xhr;
    var etag = xhr && xhr.getResponseHeader("ETag");
    if (etag) { live.dataset.etag = etag; }
    if (xhr && xhr.status === 200) { afterLiveSwap(); }
    if (xhr && (xhr.status === 200 || xhr.status === 304) && status && status.dataset.offline) {
      delete status.dataset.offline;
      say("Back online.");
    }
    if (xhr && xhr.status === 404) { say("This system is no longer available to you."); }
  });

  function isDirtyEditor(el) {
    return el.hasAttribute("data-live-editor") && (el.dataset.dirty === "true" || el.contains(document.activeElement));
  }

  /* What a live update must leave as it is: an editor someone is using, a card open for editing, and a
     card whose own request is in flight (its response will need it). */
  function keepAsIs(el) {
    if (el.nodeType !== 1 || !el.id) { return false; }
    if (el.hasAttribute("data-live-editor")) { return isDirtyEditor(el); }
    if (el.hasAttribute("data-editing")) { return true; }
    return el.matches(".risk-card, .mit-card") && (el.classList.contains("htmx-request") || !!el.querySelector(".htmx-request"));
  }

  /* the form field someone is typing in keeps its text */
  function isFieldInUse(el) {
    return el === document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  /* Changed regions arrive out of band (hx-swap-oob="morph") and are morphed in by idiomorph's htmx
     extension (hx-ext="morph" on the page): nodes the new HTML still has are kept, so focus, the caret,
     scroll positions and open editors survive. These callbacks add what idiomorph cannot know. */
  if (window.Idiomorph) {
    var callbacks = window.Idiomorph.defaults.callbacks;
    /* (not idiomorph's ignoreActiveValue: it also skips the children of any focused element, a card included) */
    callbacks.beforeNodeMorphed = function (node) { return !(keepAsIs(node) || isFieldInUse(node)); };
    callbacks.beforeNodeRemoved = function (node) {
      if (!keepAsIs(node)) { return true; }
      lost = true;
      return false;  // removed by someone else: the text stays on screen to copy; Save then says so
    };
    /* open or closed is the reader's choice on the <details> the page keeps open */
    callbacks.beforeAttributeUpdated = function (attr, el) {
      return !(attr === "open" && el.matches("details[data-keep-open]"));
    };
  }

  /* After a live update has been swapped in: say what was lost, re-apply the filter, keep the keyboard flow. */
  function afterLiveSwap() {
    if (lost) {
      say("Something you were editing was removed by someone else; your text is kept to copy.");
      lost = false;
    }
    applyFilter();
    if (pendingNext) {
      var next = byId(pendingNext);
      if (next && !next.contains(document.activeElement)) { next.focus({ preventScroll: true }); markCurrent(next); }
      pendingNext = null;
    }
  }

  document.body.addEventListener("htmx:sendError", function (e) {
    if (e.detail.elt === live && status) {
      status.dataset.offline = "true";
      say("Connection lost: retrying. Your input on this page is kept.");
    }
  });

  document.body.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (e.detail.elt === live) { return; }
    var code = xhr ? xhr.status : 0;
    var why = code === 403 ? "you need the contributor role in this team to change it"
      : code === 404 ? "it no longer exists" : "the server answered " + code;
    say("That was not saved: " + why + ".");
  });

  /* ---- editors ------------------------------------------------------------------------------- */

  var editor = document.getElementById("editor");
  var editorEmpty = editor ? editor.innerHTML : "";

  document.body.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (!target) { return; }
    if (target === editor) {
      var heading = editor.querySelector(".editor-title");
      if (heading) { heading.focus({ preventScroll: true }); }
      var box = editor.getBoundingClientRect();
      if (box.top < 0 || box.top > window.innerHeight - 80) { editor.scrollIntoView({ block: "start" }); }
    } else if (target.id === "custom-risk-slot") {
      var first = target.querySelector("h3, input, select, textarea");
      if (first) { first.focus(); }
    } else if (target.matches && target.matches(".risk-card, .mit-card")) {
      /* outerHTML swaps leave target detached; find the new card by id */
      var card = byId(target.id);
      if (!card) { return; }
      if (card.hasAttribute("data-editing")) {
        var field = card.querySelector(".card-form input:not([type=hidden]), .card-form select, .card-form textarea");
        if (field) { field.focus(); }
        markCurrent(card);
      } else if (pendingNext && byId(pendingNext)) {
        var next = byId(pendingNext);
        next.focus();
        markCurrent(next);
      } else {
        card.focus({ preventScroll: true });
        markCurrent(card);
      }
    }
  });

  document.addEventListener("click", function (e) {
    var toPanel = e.target.closest('a[href="#system-panel"]');
    if (toPanel) {
      var details = document.getElementById("system-panel-details");
      if (details) { details.open = true; }
    }
    var close = e.target.closest("[data-close-editor]");
    if (close && editor) { e.preventDefault(); editor.innerHTML = editorEmpty; return; }
    var clear = e.target.closest("[data-clear]");
    if (clear) {
      e.preventDefault();
      var t = document.querySelector(clear.getAttribute("data-clear"));
      if (t) { t.innerHTML = ""; }
      var opener = document.getElementById("custom-risk-open");
      if (opener) { opener.focus(); }
    }
  });

  document.addEventListener("input", function (e) {
    var panel = e.target.closest("[data-live-editor]");
    if (panel) { panel.dataset.dirty = "true"; }
  });
  document.addEventListener("change", function (e) {
    var panel = e.target.closest("[data-live-editor]");
    if (panel) { panel.dataset.dirty = "true"; }
  });

  /* Remember the next suggestion when one is accepted or dismissed, to keep the keyboard flow going. */
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    if (!elt || elt === live || !elt.closest) { return; }
    var card = elt.closest(".risk-card");
    if (!card || !elt.hasAttribute("data-advance")) { return; }
    var next = nextCard(card, 1) || nextCard(card, -1);
    pendingNext = next && next !== card ? next.id : null;
  });

  /* ---- the heat map filter ------------------------------------------------------------------- */

  function readFilterFromUrl() {
    var p = new URLSearchParams(window.location.search);
    var scope = p.get("heat"), l = p.get("l"), i = p.get("i");
    if ((scope === "inherent" || scope === "residual") && /^[1-5]$/.test(l || "") && /^[1-5]$/.test(i || "")) {
      return { scope: scope, l: l, i: i };
    }
    return null;
  }

  function applyFilter() {
    var list = document.querySelector("[data-list=register]");
    var box = document.getElementById("risk-filter-status");
    var shown = 0;
    if (list) {
      list.querySelectorAll(".risk-card").forEach(function (card) {
        var ok = !filter || (filter.scope === "inherent"
          ? card.dataset.l === filter.l && card.dataset.i === filter.i
          : card.dataset.rl === filter.l && card.dataset.ri === filter.i);
        card.hidden = !ok;
        if (ok) { shown += 1; }
      });
    }
    document.querySelectorAll(".hm-link").forEach(function (a) {
      var on = filter && a.dataset.heat === filter.scope && a.dataset.l === filter.l && a.dataset.i === filter.i;
      a.classList.toggle("is-selected", !!on);
      if (on) { a.setAttribute("aria-current", "true"); } else { a.removeAttribute("aria-current"); }
    });
    if (!box) { return; }
    box.hidden = !filter;
    if (filter) {
      box.querySelector("[data-filter-text]").textContent = "Showing " + shown + " risk" + (shown === 1 ? "" : "s") +
        " with " + filter.scope + " likelihood " + filter.l + " × impact " + filter.i + ".";
    }
  }

  document.addEventListener("click", function (e) {
    var cell = e.target.closest(".hm-link");
    if (cell) {
      e.preventDefault();
      var same = filter && filter.scope === cell.dataset.heat && filter.l === cell.dataset.l && filter.i === cell.dataset.i;
      filter = same ? null : { scope: cell.dataset.heat, l: cell.dataset.l, i: cell.dataset.i };
      applyFilter();
      history.replaceState(null, "", filter ? "?heat=" + filter.scope + "&l=" + filter.l + "&i=" + filter.i : window.location.pathname);
      if (filter) {
        var reg = document.getElementById("register");
        if (reg) { reg.scrollIntoView({ block: "start" }); }
      }
      return;
    }
    if (e.target.closest("[data-clear-filter]")) {
      e.preventDefault();
      filter = null;
      applyFilter();
      history.replaceState(null, "", window.location.pathname);
    }
  });

  /* ---- keyboard ------------------------------------------------------------------------------ */

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(
      "[data-list=suggestions] .risk-card, [data-list=register] .risk-card:not([hidden])"));
  }

  function currentCard() {
    var active = document.activeElement;
    var card = active && active.closest ? active.closest(".risk-card") : null;
    return card || document.querySelector(".risk-card.is-current");
  }

  function markCurrent(card) {
    document.querySelectorAll(".risk-card.is-current").forEach(function (c) { c.classList.remove("is-current"); });
    if (card) { card.classList.add("is-current"); }
  }

  function nextCard(from, step) {
    var all = cards();
    var i = from ? all.indexOf(from) : -1;
    return all[i + step] || null;
  }

  function move(step) {
    var all = cards();
    if (!all.length) { say("No suggestions or risks to move through."); return; }
    var card = nextCard(currentCard(), step) || (step > 0 ? all[0] : all[all.length - 1]);
    card.focus();
    markCurrent(card);
  }

  function act(name) {
    var card = currentCard();
    if (!card) { say("Choose a suggestion first: press j."); return; }
    var button = card.querySelector("[data-action=" + name + "]");
    if (!button) { say("That is not possible on this card."); return; }
    button.click();
  }

  function nextStep() {
    var link = document.getElementById("next-step");
    var key = link && link.dataset.step;
    if (key === "suggestions") {
      var first = document.querySelector("[data-list=suggestions] .risk-card");
      if (first) { first.focus(); markCurrent(first); first.scrollIntoView({ block: "center" }); return; }
    }
    var target = link && document.querySelector(link.getAttribute("href"));
    if (target) { target.scrollIntoView({ block: "start" }); if (target.focus) { target.focus({ preventScroll: true }); } }
  }

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(button|submit|reset|checkbox|radio)$/i.test(el.type));
  }

  var dialog = document.getElementById("shortcuts");

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "Escape") {
      var open = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("[data-editing], #editor") : null;
      if (open && open.id === "editor" && editor.querySelector("[data-editor-form]")) {
        editor.innerHTML = editorEmpty;
        return;
      }
      var cancel = open && open.querySelector("[data-cancel]");
      if (cancel) { e.preventDefault(); cancel.click(); }
      return;
    }
    if (typing(document.activeElement) || (dialog && dialog.open && e.key !== "?")) { return; }
    switch (e.key) {
      case "j": case "n": move(1); break;
      case "k": move(-1); break;
      case "a": act("accept"); break;
      case "d": act("dismiss"); break;
      case "e": act("edit"); break;
      case "m": act("mitigate"); break;
      case "g": nextStep(); break;
      case "p": togglePresentation(); break;
      case "?": toggleHelp(); break;
      default: return;
    }
    e.preventDefault();
  });

  document.addEventListener("focusin", function (e) {
    var card = e.target.closest && e.target.closest(".risk-card");
    if (card) { markCurrent(card); }
  });

  /* ---- presentation mode and help ------------------------------------------------------------ */

  var presentButton = document.getElementById("presentation-toggle");

  function setPresentation(on) {
    document.documentElement.classList.toggle("presenting", on);
    if (presentButton) { presentButton.setAttribute("aria-pressed", on ? "true" : "false"); }
    try { window.localStorage.setItem("workshop.presenting", on ? "1" : "0"); } catch (err) { /* private mode */ }
  }

  function togglePresentation() {
    setPresentation(!document.documentElement.classList.contains("presenting"));
  }

  try { setPresentation(window.localStorage.getItem("workshop.presenting") === "1"); } catch (err) { /* ignore */ }
  if (presentButton) { presentButton.addEventListener("click", togglePresentation); }

  function toggleHelp() {
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }
  var helpButton = document.getElementById("shortcuts-open");
  if (helpButton) { helpButton.addEventListener("click", toggleHelp); }

  /* ---- presence ------------------------------------------------------------------------------ */

  var stopped = false;
  window.addEventListener("pagehide", function () {
    var url = root.dataset.leaveUrl;
    if (stopped) { return; }
    if (!url || !navigator.sendBeacon) { return; }
    var token = "";
    try { token = JSON.parse(root.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (err) { return; }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    navigator.sendBeacon(url, data);
  });

  /* "live:stop" on window ends the live loop: no more polls or beats, no "leave" beacon (tests send it
     before they close a page, so nothing of the page reaches the server after the test). */
  window.addEventListener("live:stop", function () {
    stopped = true;
    [live, document.getElementById("heartbeat")].forEach(function (el) { if (el) { window.htmx.remove(el); } });
  });

  /* On a phone the long system questionnaire starts folded (the steps bar links to it). */
  if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
    var panel = document.getElementById("system-panel-details");
    if (panel && !window.location.hash) { panel.open = false; }
  }

  applyFilter();
}());
