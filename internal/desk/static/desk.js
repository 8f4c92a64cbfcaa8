// Hark desk: live updates over Server-Sent Events and mail-client keyboard
// shortcuts. Everything works without it; it only saves reloads and clicks.
(function () {
  "use strict";
  var body = document.body;
  var ws = body.getAttribute("data-workspace");
  var list = document.getElementById("list");
  var thread = document.getElementById("thread");
  var side = document.getElementById("side");
  var live = document.getElementById("live");
  var counts = document.getElementById("counts");
  var conv = document.querySelector("[data-conversation]");
  var convID = conv ? conv.getAttribute("data-conversation") : null;
  var selected = 0;

  function rows() { return list ? Array.prototype.slice.call(list.querySelectorAll(".row")) : []; }
  // select marks row i; scroll brings it into view (j/k, not a refresh:
  // the list stays where the agent scrolled it).
  function select(i, scroll) {
    var r = rows();
    if (!r.length) { return; }
    selected = Math.max(0, Math.min(i, r.length - 1));
    r.forEach(function (e, j) { e.classList.toggle("sel", j === selected); });
    if (scroll !== false) { r[selected].scrollIntoView({ block: "nearest" }); }
  }

  // A refresh must not throw away what the agent was doing in the
  // fragment: an open "correct labels" with an intent picked and not yet
  // saved. opened reads each open <details> (keyed by the message it is
  // under) and its fields; reopen puts them back in the new fragment.
  function detailsKey(el, d) {
    var owner = d.parentElement && d.parentElement.closest("[id]");
    return (owner && owner !== el && el.contains(owner) ? owner.id : "") + " " + d.className;
  }
  function fields(d) {
    return Array.prototype.filter.call(d.querySelectorAll("input, select, textarea"), function (f) { return f.type !== "hidden"; });
  }
  function opened(el) {
    return Array.prototype.map.call(el.querySelectorAll("details[open]"), function (d) {
      return { key: detailsKey(el, d), vals: fields(d).map(function (f) { return f.type === "checkbox" || f.type === "radio" ? f.checked : f.value; }) };
    });
  }
  function reopen(el, saved) {
    if (!saved.length) { return; }
    Array.prototype.forEach.call(el.querySelectorAll("details"), function (d) {
      var key = detailsKey(el, d);
      saved.forEach(function (s) {
        if (s.key !== key) { return; }
        d.open = true;
        var fs = fields(d);
        if (fs.length !== s.vals.length) { return; } // the form changed: keep the server's values
        fs.forEach(function (f, i) {
          if (f.type === "checkbox" || f.type === "radio") { f.checked = s.vals[i]; } else { f.value = s.vals[i]; }
        });
      });
    });
  }

  // refresh swaps a fragment for the server's current version of it, after
  // a short pause that lets a burst of changes cost one fetch. A change
  // during a fetch fetches again after it, so the last change is shown.
  var pending = {}, fetching = {}, again = {};
  function refresh(el, delay) {
    if (!el) { return; }
    if (pending[el.id]) {
      if (fetching[el.id]) { again[el.id] = true; } // else the fetch to come shows it
      return;
    }
    pending[el.id] = setTimeout(function () {
      fetching[el.id] = true;
      fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var cur = el === list ? rows()[selected] : null;
          var selID = cur ? cur.getAttribute("data-id") : null;
          var atBottom = el === thread && el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          var top = el.scrollTop, open = opened(el);
          el.innerHTML = html; // server-rendered and escaped by html/template
          reopen(el, open);
          if (el === list) {
            var r = rows(), idx = 0;
            r.forEach(function (e, j) { if (e.getAttribute("data-id") === selID) { idx = j; } });
            select(idx, false);
            el.scrollTop = top;
          }
          if (atBottom) { el.scrollTop = el.scrollHeight; }
        })
        .catch(function () {})
        .then(function () {
          delete pending[el.id];
          delete fetching[el.id];
          if (again[el.id]) { delete again[el.id]; refresh(el); }
        });
    }, delay === undefined ? 150 : delay);
  }

  // A large desk serves a slow count from a cache for up to 5 s, so the
  // counts fetched right after a change may predate it: fetch them once
  // more when that cache has expired.
  var recount = null, changedSince = false;
  function refreshCounts() {
    refresh(counts);
    if (recount) { changedSince = true; return; }
    recount = setTimeout(function later() {
      refresh(counts);
      recount = changedSince ? setTimeout(later, 5200) : null; // a change the cache may still hide
      changedSince = false;
    }, 5200);
  }

  if (ws && window.EventSource && (list || thread)) {
    var es = new EventSource("/events?workspace=" + encodeURIComponent(ws));
    // Back after a drop (a node stopping, the network), the stream sends
    // a resync first: whatever changed meanwhile was never sent here.
    es.onopen = function () { live && live.classList.add("on"); };
    es.onerror = function () { live && live.classList.remove("on"); };
    es.onmessage = function () {};
    ["message", "conversation", "replied", "assigned", "status", "tagged", "note", "team", "priority", "linked", "resync", "send_status", "labelled", "message_edited", "message_deleted"].forEach(function (kind) {
      es.addEventListener(kind, function (ev) {
        var e = {};
        try { e = JSON.parse(ev.data); } catch (x) { return; }
        if (list) { refresh(list); }
        if (counts) { refreshCounts(); }
        if (convID && (kind === "resync" || e.conversation_id === convID)) {
          refresh(thread);
          refresh(side);
          if (kind === "status") { refreshStatus(); }
        }
      });
    });
  }
  function refreshStatus() {
    fetch("/c/" + convID, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      ["status", "resolveform"].forEach(function (id) {
        var fresh = doc.getElementById(id), old = document.getElementById(id);
        if (fresh && old) { old.replaceWith(fresh); }
      });
    });
  }
  // A page that did not wait for its status counts fetches them.
  if (counts && counts.hasAttribute("data-pending")) { refresh(counts, 0); }
  if (thread) { thread.scrollTop = thread.scrollHeight; }
  select(0);

  function typing(t) {
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function submit(id, field, value) {
    var f = document.getElementById(id);
    if (!f) { return; }
    if (field) {
      var b = f.querySelector('button[name="' + field + '"][value="' + value + '"]');
      if (b) { b.click(); }
      return;
    }
    f.submit();
  }
  var help = document.getElementById("help");
  document.addEventListener("keydown", function (e) {
    if (e.metaKey || e.ctrlKey || e.altKey) { return; }
    if (typing(e.target)) {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    var r = rows();
    switch (e.key) {
      case "j": select(selected + 1); break;
      case "k": select(selected - 1); break;
      case "Enter": if (r[selected]) { location.href = r[selected].getAttribute("href"); } break;
      case "/": var s = document.getElementById("search"); if (s) { e.preventDefault(); s.focus(); s.select(); } break;
      case "r": var t = document.getElementById("reply"); if (t) { e.preventDefault(); t.focus(); } break;
      case "e": submit("resolveform", "status", "resolved"); break;
      case "a": submit("assignme"); break;
      case "u": var b = document.querySelector(".backlink"); if (b) { location.href = b.getAttribute("href"); } break;
      case "?": if (help) { help.hidden = !help.hidden; } break;
      case "Escape": if (help) { help.hidden = true; } break;
      default: return;
    }
  });
  // Cmd/Ctrl+Enter sends a reply.
  var reply = document.getElementById("reply");
  if (reply) {
    reply.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) { e.preventDefault(); document.getElementById("replyform").submit(); }
    });
  }
})();
