// The class chat of osiscope's bundled server: a plain WebSocket on /broadcast?room=class and
// Socket.IO (the official client, io()) on /socket.io/. Messages are shown with textContent only:
// what other students send is never read as HTML.
"use strict";

const MAX_LOG = 200;

function $(id) { return document.getElementById(id); }

function myName() { return $("name").value.trim() || "student"; }

function show(listId, text, mine) {
  const list = $(listId);
  const item = document.createElement("li");
  item.textContent = text;
  if (mine) item.className = "mine";
  list.appendChild(item);
  while (list.children.length > MAX_LOG) list.removeChild(list.firstChild);
  list.scrollTop = list.scrollHeight;
}

function setStatus(id, text, up) {
  const el = $(id);
  el.textContent = text;
  el.className = "status " + (up ? "up" : "down");
}

// --- Plain WebSocket: new WebSocket(url), ws.send(text), ws.onmessage ---
const wsScheme = location.protocol === "https:" ? "wss:" : "ws:";
const wsUrl = wsScheme + "//" + location.host + "/broadcast?room=class";
$("ws-url").textContent = wsUrl;
const ws = new WebSocket(wsUrl);
const wsSent = new Set();
ws.onopen = () => setStatus("ws-status", "connected: the server answered 101 Switching Protocols", true);
ws.onmessage = (event) => {
  const text = String(event.data);
  // The server prefixes "client N: " to what a member sent.
  const body = text.replace(/^client \d+: /, "");
  show("ws-log", text, wsSent.delete(body));
};
ws.onclose = (event) => {
  const why = event.reason ? " " + event.reason : "";
  setStatus("ws-status", "closed (code " + event.code + why + "): reload the page to join again", false);
};
$("ws-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("ws-text").value.trim();
  if (!text || ws.readyState !== WebSocket.OPEN) return;
  const line = myName() + ": " + text;
  wsSent.add(line);
  ws.send(line);
  $("ws-text").value = "";
});

// --- Socket.IO: io(), socket.emit("chat", msg, ack), socket.on("chat", …) ---
const socket = io();
let upgraded = false;
function sioStatus() {
  const how = upgraded ? ", upgraded from HTTP long-polling" : "";
  setStatus("sio-status", "connected (transport: " + socket.io.engine.transport.name + how + ")", true);
}
socket.io.on("open", () => {
  upgraded = false;
  socket.io.engine.on("upgrade", () => { upgraded = true; if (socket.connected) sioStatus(); });
});
socket.on("connect", sioStatus);
socket.on("disconnect", (reason) => setStatus("sio-status", "disconnected (" + reason + "): trying again…", false));
socket.on("connect_error", (err) => setStatus("sio-status", "cannot connect: " + err.message, false));
socket.on("tick", (tick) => {
  $("sio-ticks").textContent = "server push: tick " + (tick && tick.n) + " (the server sent it without being asked)";
});
socket.on("chat", (msg) => {
  if (msg && typeof msg === "object" && "text" in msg) {
    show("sio-log", String(msg.name) + ": " + String(msg.text), false);
  } else {
    show("sio-log", JSON.stringify(msg), false);
  }
});
$("sio-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("sio-text").value.trim();
  if (!text || !socket.connected) return;
  socket.emit("chat", { name: myName(), text: text }, (ack) => {
    show("sio-log", "ack from the server: " + JSON.stringify(ack), true);
  });
  $("sio-text").value = "";
});
