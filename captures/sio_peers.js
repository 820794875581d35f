// Socket.IO peers for captures/make_sio_captures.sh: a node `socket.io` server and a
// `socket.io-client` in one process, talking over 127.0.0.1:PORT. Works with socket.io 4.8
// (Engine.IO v4, Socket.IO protocol v5) and 2.x (Engine.IO v3, protocol v4): NODE_PATH picks.
// Usage: node sio_peers.js CASE PORT   (CASE: polling_upgrade | websocket | reconnect)
const http = require('http');
const ioServer = require('socket.io');
const ioClient = require('socket.io-client');

const [kase, port] = [process.argv[2], Number(process.argv[3])];
const done = (code) => setTimeout(() => process.exit(code), 300);
setTimeout(() => { console.error(`${kase}: timed out`); process.exit(1); }, 15000);

const server = http.createServer();
const io = ioServer(server, { pingInterval: 400, pingTimeout: 2000 });
io.on('connection', (socket) => {
  socket.on('chat', (msg, ack) => { io.emit('chat', msg); if (ack) ack({ ok: true }); });
  socket.on('upload', (buf, ack) => { socket.emit('download', Buffer.from([0xde, 0xad, buf.length])); if (ack) ack(buf.length); });
  socket.on('kick', () => socket.disconnect(true));
});
io.of('/admin').on('connection', (socket) => {
  socket.emit('hello', 'admin');
  socket.on('stats', (ack) => ack({ clients: io.engine.clientsCount }));
});

server.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${port}`;
  const opts = kase === 'polling_upgrade' ? {} : { transports: ['websocket'] };
  const socket = ioClient(url, Object.assign({ reconnectionDelay: 200, reconnectionDelayMax: 200 }, opts));
  let connects = 0;
  socket.on('connect', () => {
    connects += 1;
    if (kase === 'reconnect' && connects === 1) {
      socket.emit('chat', 'before');
      // The server closes the Engine.IO connection: the client reconnects on its own.
      setTimeout(() => { for (const s of io.of('/').sockets.values ? io.of('/').sockets.values() : Object.values(io.of('/').sockets)) s.conn.close(); }, 300);
      return;
    }
    if (kase === 'reconnect') {
      socket.emit('chat', 'after', () => { socket.close(); done(0); });
      return;
    }
    // Wait for the upgrade (polling_upgrade) and a ping or two.
    setTimeout(() => {
      socket.emit('chat', 'hi', (answer) => {
        socket.emit('upload', Buffer.from([1, 2, 3, 4]), () => {
          const admin = ioClient(`${url}/admin`, opts);
          admin.on('hello', () => admin.emit('stats', () => {
            admin.close(); socket.close(); done(0);
          }));
        });
      });
    }, 900);
  });
  socket.on('download', () => {});
});
