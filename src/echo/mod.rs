//! The bundled WebSocket echo server and the scripted demo client.
