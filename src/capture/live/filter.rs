//! What a live capture keeps: every TCP packet to or from one of a few ports. For the pnet
//! backend the ports become a classic BPF program the kernel runs (the same program
//! `tcpdump -d 'tcp port P'` prints for Ethernet framing); libpcap compiles its own.

/// Which packets a live capture keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureFilter {
    /// Everything on the interface.
    All,
    /// TCP packets whose source or destination port is one of these.
    TcpPorts(Vec<u16>),
    /// A libpcap filter expression (libpcap backend only).
    Bpf(String),
}

impl CaptureFilter {
    /// The same filter as a libpcap expression (`None` captures everything).
    pub fn expression(&self) -> Option<String> {
        match self {
            Self::All => None,
            Self::TcpPorts(ports) if ports.is_empty() => None,
            Self::TcpPorts(ports) => Some(
                ports
                    .iter()
                    .map(|p| format!("tcp port {p}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            ),
            Self::Bpf(expr) => Some(expr.clone()),
        }
    }
}

/// BPF instruction classes and modes (`linux/bpf_common.h`).
mod op {
    pub const LDH_ABS: u16 = 0x28; // BPF_LD | BPF_H | BPF_ABS
    pub const LDB_ABS: u16 = 0x30; // BPF_LD | BPF_B | BPF_ABS
    pub const LDH_IND: u16 = 0x48; // BPF_LD | BPF_H | BPF_IND
    pub const LDX_MSH: u16 = 0xb1; // BPF_LDX | BPF_B | BPF_MSH: X = 4 * (pkt[k] & 0xf)
    pub const JEQ: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    pub const JSET: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
    pub const RET: u16 = 0x06; // BPF_RET | BPF_K
}

/// Byte offsets in an Ethernet frame (loopback on Linux has an all-zero Ethernet header).
mod offset {
    pub const ETHERTYPE: u32 = 12;
    pub const IPV4_FRAGMENT: u32 = 14 + 6;
    pub const IPV4_PROTOCOL: u32 = 14 + 9;
    pub const IPV4_IHL: u32 = 14;
    pub const IPV6_NEXT_HEADER: u32 = 14 + 6;
    pub const IPV6_TCP: u32 = 14 + 40;
}

const ETHERTYPE_IPV4: u32 = 0x0800;
const ETHERTYPE_IPV6: u32 = 0x86dd;
const IPPROTO_TCP: u32 = 6;
/// Accept the whole packet (the snap length libpcap uses).
const ACCEPT_BYTES: u32 = 262_144;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Label {
    Ipv4,
    Accept,
    Reject,
}

enum Ins {
    Stmt(u16, u32),
    Jump {
        code: u16,
        k: u32,
        jt: Option<Label>,
        jf: Option<Label>,
    },
    Mark(Label),
}

/// A classic BPF program keeping TCP over IPv4 or IPv6 (no extension headers) to or from one of
/// `ports`, on Ethernet framing. `None` for an empty list (keep everything).
pub fn tcp_ports_program(ports: &[u16]) -> Option<Vec<libc::sock_filter>> {
    use Ins::{Jump, Mark, Stmt};
    if ports.is_empty() {
        return None;
    }
    // Compare the port in A with every port: jump to Accept on a match; after the last
    // mismatch fall through (None) or go to `otherwise`.
    let match_ports = |ins: &mut Vec<Ins>, otherwise: Option<Label>| {
        for (i, &p) in ports.iter().enumerate() {
            let last = i + 1 == ports.len();
            ins.push(Jump {
                code: op::JEQ,
                k: u32::from(p),
                jt: Some(Label::Accept),
                jf: if last { otherwise } else { None },
            });
        }
    };
    let mut ins = vec![
        Stmt(op::LDH_ABS, offset::ETHERTYPE),
        Jump {
            code: op::JEQ,
            k: ETHERTYPE_IPV6,
            jt: None,
            jf: Some(Label::Ipv4),
        },
        Stmt(op::LDB_ABS, offset::IPV6_NEXT_HEADER),
        Jump {
            code: op::JEQ,
            k: IPPROTO_TCP,
            jt: None,
            jf: Some(Label::Reject),
        },
        Stmt(op::LDH_ABS, offset::IPV6_TCP),
    ];
    match_ports(&mut ins, None);
    ins.push(Stmt(op::LDH_ABS, offset::IPV6_TCP + 2));
    match_ports(&mut ins, Some(Label::Reject));
    ins.extend([
        Mark(Label::Ipv4),
        Jump {
            code: op::JEQ,
            k: ETHERTYPE_IPV4,
            jt: None,
            jf: Some(Label::Reject),
        },
        Stmt(op::LDB_ABS, offset::IPV4_PROTOCOL),
        Jump {
            code: op::JEQ,
            k: IPPROTO_TCP,
            jt: None,
            jf: Some(Label::Reject),
        },
        Stmt(op::LDH_ABS, offset::IPV4_FRAGMENT),
        // A later fragment carries no TCP header.
        Jump {
            code: op::JSET,
            k: 0x1fff,
            jt: Some(Label::Reject),
            jf: None,
        },
        Stmt(op::LDX_MSH, offset::IPV4_IHL),
        Stmt(op::LDH_IND, 14),
    ]);
    match_ports(&mut ins, None);
    ins.push(Stmt(op::LDH_IND, 16));
    match_ports(&mut ins, Some(Label::Reject));
    ins.extend([
        Mark(Label::Accept),
        Stmt(op::RET, ACCEPT_BYTES),
        Mark(Label::Reject),
        Stmt(op::RET, 0),
    ]);
    assemble(&ins)
}

/// Resolve labels into relative jump offsets (`None` when one does not fit in a byte).
fn assemble(ins: &[Ins]) -> Option<Vec<libc::sock_filter>> {
    let mut at = Vec::new();
    let mut pc = 0usize;
    for i in ins {
        match i {
            Ins::Mark(l) => at.push((*l, pc)),
            _ => pc += 1,
        }
    }
    let target = |l: Option<Label>, pc: usize| -> Option<u8> {
        let Some(l) = l else { return Some(0) };
        let pos = at.iter().find(|(m, _)| *m == l)?.1;
        u8::try_from(pos.checked_sub(pc + 1)?).ok()
    };
    let mut out = Vec::with_capacity(pc);
    for i in ins {
        let pc = out.len();
        match *i {
            Ins::Mark(_) => {}
            Ins::Stmt(code, k) => out.push(libc::sock_filter {
                code,
                jt: 0,
                jf: 0,
                k,
            }),
            Ins::Jump { code, k, jt, jf } => {
                out.push(libc::sock_filter {
                    code,
                    jt: target(jt, pc)?,
                    jf: target(jf, pc)?,
                    k,
                });
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tcpdump -dd -i lo 'tcp port 8765'`, instruction by instruction.
    const TCPDUMP: [(u16, u8, u8, u32); 20] = [
        (0x28, 0, 0, 0x0000_000c),
        (0x15, 0, 6, 0x0000_86dd),
        (0x30, 0, 0, 0x0000_0014),
        (0x15, 0, 15, 0x0000_0006),
        (0x28, 0, 0, 0x0000_0036),
        (0x15, 12, 0, 0x0000_223d),
        (0x28, 0, 0, 0x0000_0038),
        (0x15, 10, 11, 0x0000_223d),
        (0x15, 0, 10, 0x0000_0800),
        (0x30, 0, 0, 0x0000_0017),
        (0x15, 0, 8, 0x0000_0006),
        (0x28, 0, 0, 0x0000_0014),
        (0x45, 6, 0, 0x0000_1fff),
        (0xb1, 0, 0, 0x0000_000e),
        (0x48, 0, 0, 0x0000_000e),
        (0x15, 2, 0, 0x0000_223d),
        (0x48, 0, 0, 0x0000_0010),
        (0x15, 0, 1, 0x0000_223d),
        (0x06, 0, 0, 0x0004_0000),
        (0x06, 0, 0, 0x0000_0000),
    ];

    #[test]
    fn one_port_is_what_tcpdump_compiles() {
        let prog = tcp_ports_program(&[8765]).unwrap_or_default();
        let got: Vec<_> = prog.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect();
        assert_eq!(got, TCPDUMP);
    }

    #[test]
    fn several_ports_and_none() {
        assert!(tcp_ports_program(&[]).is_none());
        let prog = tcp_ports_program(&[1, 2, 3]).unwrap_or_default();
        assert_eq!(prog.len(), TCPDUMP.len() + 4 * 2);
        assert_eq!(
            CaptureFilter::TcpPorts(vec![1, 2]).expression().as_deref(),
            Some("tcp port 1 or tcp port 2")
        );
    }
}
