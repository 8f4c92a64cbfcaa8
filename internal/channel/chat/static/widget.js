/* Hark live chat widget. One tag on the brand's site:
 *   <script src="https://desk.example.com/chat/widget.js" data-account="ID" async></script>
 * A signed-in user can be passed as window.harkIdentity = {user_id, email, name, ts, sig}
 * (sig made on the brand's server; see the chat package docs).
 * No framework, no build step; all text is set with textContent, never HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.account) { return; }
  var account = script.dataset.account;
  var base = new URL(script.src, location.href);
  var wsURL = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/chat/" + encodeURIComponent(account) + "/ws";
  var key = "hark:" + account + ":";
  var store = {
    get: function (k, d) { try { var v = localStorage.getItem(key + k); return v === null ? d : JSON.parse(v); } catch (e) { return d; } },
    set: function (k, v) { try { localStorage.setItem(key + k, JSON.stringify(v)); } catch (e) { /* private mode */ } }
  };

  var host = document.createElement("div");
  host.setAttribute("data-hark-chat", account);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = document.createElement("style");
  css.textContent = [
    ":host{all:initial}",
    ".btn{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#1f6feb;color:#fff;font:600 24px system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;z-index:2147483646}",
    ".panel{position:fixed;right:20px;bottom:88px;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 120px);display:none;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1c2128;overflow:hidden;z-index:2147483647}",
    ".panel.open{display:flex}",
    ".head{background:#1f6feb;color:#fff;padding:12px 14px;font-weight:600;display:flex;justify-content:space-between;align-items:center}",
    ".head small{font-weight:400;opacity:.85;display:block}",
    ".close{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".note{background:#fff8c5;padding:8px 12px;font-size:13px;display:none}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;background:#f6f8fa}",
    ".m{max-width:80%;padding:7px 10px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}",
    ".m.visitor{align-self:flex-end;background:#1f6feb;color:#fff;border-bottom-right-radius:3px}",
    ".m.agent{align-self:flex-start;background:#fff;border:1px solid #d0d7de;border-bottom-left-radius:3px}",
    ".m .who{display:block;font-size:11px;opacity:.7;margin-bottom:2px}",
    ".m.pending{opacity:.6}",
    ".typing{font-size:12px;color:#57606a;padding:0 12px 4px;height:16px;background:#f6f8fa}",
    "form{display:flex;gap:6px;padding:8px;border-top:1px solid #d0d7de}",
    "textarea,input{flex:1;font:inherit;border:1px solid #d0d7de;border-radius:8px;padding:7px 9px;resize:none}",
    "button.send{background:#1f6feb;color:#fff;border:0;border-radius:8px;padding:0 12px;font:inherit;cursor:pointer}",
    ".pre{padding:14px;display:flex;flex-direction:column;gap:8px}",
    ".pre input{flex:none}",
    ".foot{font-size:11px;color:#57606a;padding:0 10px 8px;display:flex;justify-content:space-between}",
    ".foot a{color:#57606a;cursor:pointer;text-decoration:underline}"
  ].join("\n");
  // A constructed sheet is not an inline style, so a strict CSP on the
  // host page (style-src 'self') does not block it.
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css.textContent);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(css);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }
  var button = el("button", "btn", "\u{1F4AC}");
  button.setAttribute("aria-label", "Chat with us");
  var panel = el("div", "panel");
  panel.setAttribute("role", "dialog");
  var head = el("div", "head");
  var title = el("div", "", "Chat with us");
  var status = el("small", "", "Connecting\u2026");
  title.appendChild(status);
  var closeBtn = el("button", "close", "\u00d7");
  closeBtn.setAttribute("aria-label", "Close chat");
  head.appendChild(title);
  head.appendChild(closeBtn);
  var note = el("div", "note");
  var log = el("div", "log");
  log.setAttribute("aria-live", "polite");
  var typing = el("div", "typing");
  var form = el("form");
  var input = el("textarea");
  input.rows = 1;
  input.placeholder = "Write a message\u2026";
  input.setAttribute("aria-label", "Message");
  var send = el("button", "send", "Send");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  var pre = el("form", "pre");
  var preName = el("input");
  preName.placeholder = "Your name";
  preName.setAttribute("aria-label", "Your name");
  var preEmail = el("input");
  preEmail.type = "email";
  preEmail.placeholder = "Your e-mail";
  preEmail.setAttribute("aria-label", "Your e-mail");
  var preGo = el("button", "send", "Start chat");
  preGo.type = "submit";
  pre.appendChild(el("div", "", "Tell us who you are and we'll be right with you."));
  pre.appendChild(preName);
  pre.appendChild(preEmail);
  pre.appendChild(preGo);
  var foot = el("div", "foot");
  var transcriptLink = el("a", "", "E-mail me this chat");
  var footNote = el("span", "", "");
  foot.appendChild(footNote);
  foot.appendChild(transcriptLink);
  panel.appendChild(head);
  panel.appendChild(note);
  panel.appendChild(pre);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  panel.appendChild(foot);
  root.appendChild(button);
  root.appendChild(panel);
  (document.body || document.documentElement).appendChild(host);

  var sock = null, retry = 0, seen = {}, pending = store.get("pending", []), typingTimer = null, lastTyping = 0;
  // The newest agent's reply shown, and the newest the desk was told the
  // visitor saw: a reply not seen in time may be e-mailed to them.
  var lastAgent = "", lastAcked = "";
  var profile = store.get("profile", null);
  var identity = window.harkIdentity || null;

  function showChat(on) {
    pre.style.display = on ? "none" : "flex";
    log.style.display = on ? "flex" : "none";
    form.style.display = on ? "flex" : "none";
  }
  function render(m) {
    if (m.id && seen[m.id]) { return; }
    if (m.id) { seen[m.id] = true; }
    if (m.id && m.from === "agent" && newer(String(m.id), lastAgent)) { lastAgent = String(m.id); }
    var d = el("div", "m " + m.from + (m.pending ? " pending" : ""));
    if (m.from === "agent") { d.appendChild(el("span", "who", m.author || "Support")); }
    d.appendChild(document.createTextNode(m.text));
    if (m.client_id) { d.setAttribute("data-client", m.client_id); }
    log.appendChild(d);
    log.scrollTop = log.scrollHeight;
  }
  function confirm(clientID, id) {
    var d = log.querySelector('[data-client="' + clientID.replace(/[^a-z0-9-]/gi, "") + '"]');
    if (d) { d.classList.remove("pending"); }
    if (id) { seen[id] = true; }
    pending = pending.filter(function (p) { return p.client_id !== clientID; });
    store.set("pending", pending);
  }
  // Ids are decimal strings too long for a JavaScript number.
  function newer(a, b) { return a.length !== b.length ? a.length > b.length : a > b; }
  // Replies count as seen when the panel is open on a visible page.
  function ack() {
    if (!lastAgent || !newer(lastAgent, lastAcked) || panel.className.indexOf("open") < 0 || document.visibilityState === "hidden") { return; }
    if (frame({ type: "seen", message_id: lastAgent })) { lastAcked = lastAgent; }
  }
  function frame(f) {
    if (sock && sock.readyState === 1) { sock.send(JSON.stringify(f)); return true; }
    return false;
  }
  function connect() {
    if (sock && sock.readyState <= 1) { return; }
    status.textContent = "Connecting\u2026";
    sock = new WebSocket(wsURL);
    sock.onopen = function () {
      var hello = { type: "hello", visitor: store.get("visitor", ""), acks: true };
      lastAcked = "";
      // A signed-in user is who the site says: a profile kept from an
      // earlier pre-chat form in this browser may be someone else's.
      if (identity) { hello.identity = identity; } else if (profile) { hello.name = profile.name; hello.email = profile.email; }
      frame(hello);
    };
    sock.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        retry = 0;
        store.set("visitor", f.visitor);
        status.textContent = f.online ? "We usually reply in a few minutes" : "We're away right now";
        note.style.display = f.online ? "none" : "block";
        note.textContent = f.online ? "" : f.mail_replies ?
          "Leave a message: we'll answer here when we're back, and e-mail you the answer if you've left by then." :
          "Leave a message: we'll answer here when we're back, and you'll see it when you come back to this page.";
        // The chat asks for an address and has none: the pre-chat form
        // again, the address now required (the desk refuses messages
        // without one).
        if (f.ask_email && !identity && !(profile && profile.email)) {
          preEmail.required = true;
          showChat(false);
          return;
        }
        if (f.greeting && !log.childElementCount) { render({ from: "agent", author: "", text: f.greeting }); }
        (f.messages || []).forEach(render);
        ack();
        pending.forEach(function (p) { frame({ type: "message", client_id: p.client_id, text: p.text }); });
      } else if (f.type === "ack") {
        confirm(f.client_id, f.message_id);
      } else if (f.type === "message" && f.message) {
        typing.textContent = "";
        render(f.message);
        if (panel.className.indexOf("open") < 0) { button.textContent = "\u{1F4AC}\u2022"; }
        ack();
      } else if (f.type === "history") {
        (f.messages || []).forEach(render);
        ack();
      } else if (f.type === "typing") {
        typing.textContent = "Support is typing\u2026";
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.textContent = ""; }, 4000);
      } else if (f.type === "transcript") {
        footNote.textContent = f.error ? f.error : "Sent \u2713";
      } else if (f.type === "error") {
        footNote.textContent = f.error || "Something went wrong";
      }
    };
    sock.onclose = function () {
      status.textContent = "Reconnecting\u2026";
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, Math.min(15000, 500 * Math.pow(2, retry)) + Math.random() * 500);
    };
  }
  function newID() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    var p = { client_id: newID(), text: text };
    pending.push(p);
    store.set("pending", pending);
    render({ from: "visitor", text: text, pending: true, client_id: p.client_id });
    input.value = "";
    frame({ type: "message", client_id: p.client_id, text: text });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); return; }
    var now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; frame({ type: "typing" }); }
  });
  pre.addEventListener("submit", function (e) {
    e.preventDefault();
    profile = { name: preName.value.trim(), email: preEmail.value.trim() };
    store.set("profile", profile);
    showChat(true);
    if (sock) { sock.close(); } else { connect(); }
    input.focus();
  });
  transcriptLink.addEventListener("click", function () {
    var email = (profile && profile.email) || window.prompt("Send the transcript to which e-mail address?") || "";
    if (email) { frame({ type: "transcript", email: email }); }
  });
  function open() {
    panel.classList.add("open");
    button.textContent = "\u{1F4AC}";
    connect();
    ack();
    if (pre.style.display !== "flex") { input.focus(); }
  }
  button.addEventListener("click", function () { panel.className.indexOf("open") >= 0 ? panel.classList.remove("open") : open(); });
  closeBtn.addEventListener("click", function () { panel.classList.remove("open"); });
  document.addEventListener("visibilitychange", ack);
  showChat(Boolean(identity || store.get("visitor", "") || profile));
  if (store.get("visitor", "")) { connect(); }
})();
