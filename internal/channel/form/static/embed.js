// Hark contact form: writes a plain form where the script tag is. The form
// posts to the desk, which shows the customer the confirmation page.
var script = document.currentScript;
var base = new URL(script.src).origin;
var form = document.createElement("form");
form.action = base + conf.action;
form.method = "post";
form.acceptCharset = "utf-8";
form.className = "hark-form";
function field(label, name, type) {
  var l = document.createElement("label");
  l.textContent = label + " ";
  var input = document.createElement(type === "textarea" ? "textarea" : "input");
  input.name = name;
  if (type === "textarea") { input.rows = 6; input.required = true; } else { input.type = type; }
  if (name === "email") { input.required = true; }
  l.appendChild(input);
  form.appendChild(l);
  return l;
}
if (conf.title) { var h = document.createElement("h2"); h.textContent = conf.title; form.appendChild(h); }
if (conf.intro) { var p = document.createElement("p"); p.textContent = conf.intro; form.appendChild(p); }
field("Name", "name", "text");
field("E-mail", "email", "email");
field("Subject", "subject", "text");
field("Message", "message", "textarea");
var trap = field("Leave this empty", "website", "text");
trap.style.position = "absolute"; trap.style.left = "-9999px";
trap.setAttribute("aria-hidden", "true");
trap.querySelector("input").tabIndex = -1;
trap.querySelector("input").autocomplete = "off";
var stamp = document.createElement("input");
stamp.type = "hidden"; stamp.name = "stamp"; stamp.value = conf.stamp;
form.appendChild(stamp);
var button = document.createElement("button");
button.type = "submit"; button.textContent = "Send";
form.appendChild(button);
script.parentNode.insertBefore(form, script.nextSibling);
