// Reference decode of the Engine.IO and Socket.IO packets of a capture, made by the protocols'
// own parsers: npm engine.io-parser and socket.io-parser (5.x/4.x for Engine.IO v4, 2.x/3.x
// for v3; NODE_PATH picks them). Reads on stdin the tab-separated fields that
// make_sio_captures.sh has tshark extract (see FIELDS there); writes one JSON object per
// Engine.IO or Socket.IO packet, in frame order, attributed to the frame that completes it:
//   {"frame":N,"engineio":{"type","data","binary","binary_len"}}
//   {"frame":N,"socketio":{"type","nsp","id","attachments","data"}}
// Usage: tshark ... | node sio_reference.js > NAME.sio.jsonl
const eio = require('engine.io-parser');
const sioParser = require('socket.io-parser');
// deconstructPacket lives next to the parser's main file (build/cjs/ in 4.x, the root in 3.x).
const binary = require(require.resolve('socket.io-parser').replace(/index\.js$/, 'binary.js'));
const V4 = typeof eio.decodePayload === 'function' && eio.protocol === 4;
const TYPES = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'];

const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.length);
const streams = new Map(); // tcp.stream -> { url, serverPort }
const decoders = new Map(); // session key + direction -> socket.io Decoder
const out = [];
// tshark escapes a string field's control characters (\x1e, \n…) and backslashes.
const unescape = (s) => s.replace(/\\(x[0-9a-fA-F]{2}|[\\nrt"])/g, (_, c) =>
  (c[0] === 'x' ? String.fromCharCode(parseInt(c.slice(1), 16)) : { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' }[c]));

function emitEio(frame, packet) {
  const bin = typeof packet.data !== 'string' && packet.data !== undefined;
  const rec = { type: packet.type, binary: bin };
  if (!bin && packet.data !== undefined) rec.data = packet.data;
  if (bin) rec.binary_len = packet.data.length !== undefined ? packet.data.length : packet.data.byteLength;
  out.push({ frame, engineio: rec });
}

function decoderFor(key, frameRef) {
  if (!decoders.has(key)) {
    const d = new sioParser.Decoder();
    d.on('decoded', (p) => {
      // Back to the wire's view: binary types, attachment placeholders.
      const { packet, buffers } = binary.deconstructPacket(p);
      const type = buffers.length ? (packet.type === 2 || packet.type === 5 ? 5 : 6) : packet.type;
      const rec = { type: TYPES[type], nsp: packet.nsp || '/', id: packet.id === undefined ? null : packet.id,
        attachments: buffers.length, data: packet.data === undefined ? null : packet.data };
      out.push({ frame: frameRef.frame, socketio: rec });
    });
    decoders.set(key, d);
  }
  return decoders.get(key);
}
const frameRef = { frame: 0 };

function onPacket(frame, key, packet) {
  emitEio(frame, packet);
  if (packet.type !== 'message') return;
  frameRef.frame = frame;
  try { decoderFor(key, frameRef).add(packet.data); } catch (e) { out.push({ frame, socketio_error: String(e.message) }); }
}

function sessionKey(url, dir) {
  const sid = new URL(url, 'http://x').searchParams.get('sid');
  return `${sid || url}|${dir}`;
}

for (const line of lines) {
  const [frame, stream, srcport, dstport, method, uri, respUri, body, opcode, text, data] = line.split('\t');
  const n = Number(frame);
  let st = streams.get(stream);
  if (method) {
    if (!st) { st = { serverPort: dstport, requests: [] }; streams.set(stream, st); }
    st.requests.push({ method, uri });
    if (uri.includes('transport=websocket')) st.url = uri;
  }
  if (!st) continue;
  const dir = dstport === st.serverPort ? 'c2s' : 's2c';
  if (method === 'POST' && uri.includes('EIO=') && body) {
    const payload = unescape(body);
    const key = sessionKey(uri, dir);
    if (V4) eio.decodePayload(payload).forEach((p) => onPacket(n, key, p));
    else eio.decodePayload(payload, (p) => { if (p.type !== 'error') onPacket(n, key, p); });
  } else if (!method && respUri) {
    const req = st.requests.shift();
    if (req && req.method === 'GET' && req.uri.includes('EIO=') && !req.uri.includes('transport=websocket') && body) {
      let key = sessionKey(req.uri, 'c2s').replace(/\|c2s$/, '|s2c');
      const take = (p) => {
        if (p.type === 'open') key = `${JSON.parse(p.data).sid}|s2c`;
        onPacket(n, key, p);
      };
      const payload = unescape(body);
      if (V4) eio.decodePayload(payload).forEach(take);
      else eio.decodePayload(payload, (p) => { if (p.type !== 'error') take(p); });
    }
  } else if (st.url && opcode) {
    // Several frames in one packet: tshark lists each field's values joined by \x1f (see
    // sio_reference.sh), the texts of the text frames and the bytes of the binary ones, in order.
    const texts = (text || '').split('\x1f');
    const datas = (data || '').split('\x1f');
    for (const op of opcode.split('\x1f')) {
      if (op !== '1' && op !== '2') continue;
      const raw = op === '1' ? unescape(texts.shift()) : Buffer.from(datas.shift().replace(/:/g, ''), 'hex');
      const p = eio.decodePacket(raw, V4 ? 'nodebuffer' : undefined);
      if (p.type === 'open') st.wsSid = JSON.parse(p.data).sid;
      const sid = new URL(st.url, 'http://x').searchParams.get('sid') || st.wsSid || st.url;
      onPacket(n, `${sid}|${dir}`, p);
    }
  }
}
for (const o of out) process.stdout.write(JSON.stringify(o) + '\n');
