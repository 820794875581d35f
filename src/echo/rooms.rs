//! Broadcast rooms (`/broadcast?room=NAME`): each member's text and binary messages are relayed
//! to every member of the room, the sender too, text prefixed with who sent it ("client 2: …").
//! A member joins before its `101` is sent, so a client that has its `101` is in the room. The
//! relay queue is bounded: a member that falls [`RELAY_QUEUE`] messages behind (a client that
//! stops reading: its socket is full and the relay waits) is closed with 1013 (Try Again Later)
//! rather than silently missing messages or holding the room's memory. A member whose own
//! backlog is half full is not read from until it catches up, so a client that sends faster
//! than it reads is held back by TCP flow control instead of being closed for its own echoes.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::endpoints::{Conn, Reply};

/// Relayed messages a member may be behind before it is closed.
pub const RELAY_QUEUE: usize = 1024;
/// The reason of the 1013 Close a member that fell behind gets.
pub const TOO_SLOW_REASON: &str = "too slow for the room";
/// How often a relay that waits for a full socket checks whether its member is too far behind.
const LAG_CHECK: Duration = Duration::from_millis(50);

/// Largest message a member may send to a room (the queue holds up to [`RELAY_QUEUE`] of them).
pub const MAX_BROADCAST_MESSAGE_BYTES: usize = 64 * 1024;

#[derive(Debug)]
struct Room {
    tx: broadcast::Sender<Message>,
    joined: u64,
}

/// Every room of one server.
#[derive(Debug, Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, Room>>,
}

/// A member of a room; leaving is dropping it.
#[derive(Debug)]
pub struct Member {
    /// Its number in the room, from 1 in order of joining ("client 2").
    pub number: u64,
    room: String,
    tx: broadcast::Sender<Message>,
    rx: broadcast::Receiver<Message>,
    rooms: Arc<Rooms>,
}

impl Rooms {
    /// Join `room` (made when its first member joins).
    pub fn join(self: &Arc<Self>, room: &str) -> Member {
        let mut rooms = self.rooms.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = rooms.entry(room.to_string()).or_insert_with(|| Room {
            tx: broadcast::channel(RELAY_QUEUE).0,
            joined: 0,
        });
        entry.joined += 1;
        Member {
            number: entry.joined,
            room: room.to_string(),
            tx: entry.tx.clone(),
            rx: entry.tx.subscribe(),
            rooms: Arc::clone(self),
        }
    }

    /// Members in `room` now.
    pub fn members(&self, room: &str) -> usize {
        self.rooms
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(room)
            .map_or(0, |r| r.tx.receiver_count())
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let mut rooms = self
            .rooms
            .rooms
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // This member's receiver is still counted until the fields drop after this.
        if rooms
            .get(&self.room)
            .is_some_and(|r| r.tx.receiver_count() <= 1)
        {
            rooms.remove(&self.room);
        }
    }
}

/// Relay this connection's messages to the room, and the room's to this connection.
pub(super) async fn broadcast(mut c: Conn<'_>, mut member: Member) {
    loop {
        let flow = tokio::select! {
            // A member whose own backlog is half full is not read until it catches up: one that
            // sends faster than it reads is slowed down by TCP, not closed for its own messages.
            next = c.ws.next(), if member.rx.len() < RELAY_QUEUE / 2 => match next {
                Some(Ok(Message::Text(t))) => {
                    let text = format!("client {}: {}", member.number, t.as_str());
                    relay(&c, &member, Message::text(text))
                }
                Some(Ok(message @ Message::Binary(_))) => relay(&c, &member, message),
                other => c.incoming(other, Reply::Echo).await,
            },
            relayed = member.rx.recv() => match relayed {
                Ok(message) => {
                    // While this waits for a full socket, the room goes on without it.
                    let sent = tokio::select! {
                        sent = c.ws.send(message) => Some(sent),
                        () = fallen_behind(&member.rx) => None,
                    };
                    match sent {
                        Some(sent) => c.sent(sent),
                        None => too_slow(&mut c).await,
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => too_slow(&mut c).await,
                // This member holds a sender: the channel cannot close.
                Err(broadcast::error::RecvError::Closed) => ControlFlow::Break(()),
            },
            _ = c.shutdown.changed() => c.going_away().await,
        };
        if flow.is_break() {
            return;
        }
    }
}

/// Resolves once `rx` has [`RELAY_QUEUE`] messages waiting: one more and it would miss one.
async fn fallen_behind(rx: &broadcast::Receiver<Message>) {
    while rx.len() < RELAY_QUEUE {
        tokio::time::sleep(LAG_CHECK).await;
    }
}

/// Close a member that fell behind with 1013 (Try Again Later, in the IANA registry of
/// WebSocket close codes).
async fn too_slow(c: &mut Conn<'_>) -> ControlFlow<()> {
    tracing::info!(peer = %c.peer, "too slow for the room: 1013");
    c.stats.members_too_slow.fetch_add(1, Ordering::Relaxed);
    c.close(CloseCode::Again, TOO_SLOW_REASON).await
}

fn relay(c: &Conn<'_>, member: &Member, message: Message) -> ControlFlow<()> {
    c.stats.messages_relayed.fetch_add(1, Ordering::Relaxed);
    // Every member, this one too, holds a receiver: sending cannot fail while it is here.
    let _ = member.tx.send(message);
    ControlFlow::Continue(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_numbered_and_an_empty_room_goes() {
        let rooms = Arc::new(Rooms::default());
        let a = rooms.join("r");
        let b = rooms.join("r");
        let other = rooms.join("s");
        assert_eq!((a.number, b.number, other.number), (1, 2, 1));
        assert_eq!(rooms.members("r"), 2);
        drop(a);
        assert_eq!(rooms.members("r"), 1);
        drop(b);
        assert_eq!(rooms.members("r"), 0);
        // A new room of the same name starts counting again.
        assert_eq!(rooms.join("r").number, 1);
    }
}
