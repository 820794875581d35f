//! A network of its own for the classroom tests: two network namespaces made by the test,
//! joined by a veth pair (10.231.0.1 for the teacher, 10.231.0.2 for a student). Dropping it
//! deletes them. No real network is touched. Needs root.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test code; each test uses part

use std::process::Command;

pub const TEACHER: &str = "10.231.0.1";
pub const STUDENT: &str = "10.231.0.2";
pub const PORT: u16 = 8765;

/// The two namespaces (and the veth pair in them); dropping deletes them.
pub struct Lan {
    pub teacher_ns: String,
    pub student_ns: String,
    pub teacher_if: String,
}

pub fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `ip` ({e}): install iproute2 (.ci/test does)"));
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Lan {
    pub fn create() -> Self {
        let id = std::process::id() % 100_000;
        let lan = Self {
            teacher_ns: format!("osiscope-teacher-{id}"),
            student_ns: format!("osiscope-student-{id}"),
            teacher_if: format!("osct{id}"),
        };
        let student_if = format!("oscs{id}");
        ip(&["netns", "add", &lan.teacher_ns]);
        ip(&["netns", "add", &lan.student_ns]);
        ip(&[
            "link",
            "add",
            &lan.teacher_if,
            "type",
            "veth",
            "peer",
            "name",
            &student_if,
        ]);
        ip(&["link", "set", &lan.teacher_if, "netns", &lan.teacher_ns]);
        ip(&["link", "set", &student_if, "netns", &lan.student_ns]);
        for (ns, dev, addr) in [
            (&lan.teacher_ns, &lan.teacher_if, TEACHER),
            (&lan.student_ns, &student_if, STUDENT),
        ] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        lan
    }

    /// `osiscope ARGS` inside namespace `ns`.
    pub fn osiscope(ns: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        // OSISCOPE_BIN: run another build of osiscope (e.g. a copy, when several worktrees
        // share one target directory and its binary is overwritten by their builds).
        let bin = std::env::var_os("OSISCOPE_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_osiscope").into());
        c.args(["netns", "exec", ns]).arg(bin).args(args);
        c
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // Deleting a namespace deletes the veth end in it, and with it the pair.
        for ns in [&self.teacher_ns, &self.student_ns] {
            let _ = Command::new("ip").args(["netns", "delete", ns]).status();
        }
    }
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}
