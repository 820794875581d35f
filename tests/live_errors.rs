//! Capture problems are explained: without `CAP_NET_RAW` the exact `setcap` fix, an unknown
//! interface lists the real ones. Runs the binary; the permission test drops the capability with
//! `setpriv` and so needs root (it says SKIPPED otherwise).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/skip.rs"]
mod skip;

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_osiscope");

fn backends() -> Vec<&'static str> {
    if cfg!(feature = "libpcap") {
        vec!["pnet", "libpcap"]
    } else {
        vec!["pnet"]
    }
}

#[test]
fn without_cap_net_raw_the_fix_is_printed() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    if !root || Command::new("setpriv").arg("--version").output().is_err() {
        skip::skip("dropping CAP_NET_RAW with setpriv needs root");
        return;
    }
    for backend in backends() {
        let out = Command::new("setpriv")
            .args([
                "--bounding-set=-net_raw,-net_admin",
                "--inh-caps=-all",
                "--",
                BIN,
            ])
            .args([
                "live",
                "--backend",
                backend,
                "--count",
                "1",
                "--seconds",
                "1",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{backend}: {stderr}");
        assert!(
            stderr.contains("no permission to capture on lo"),
            "{backend}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("sudo setcap cap_net_raw,cap_net_admin=eip {BIN}")),
            "{backend}: {stderr}"
        );
        assert!(stderr.contains("bundled captures"), "{backend}: {stderr}");
    }
}

#[test]
fn an_unknown_interface_lists_the_real_ones() {
    for backend in backends() {
        let out = Command::new(BIN)
            .args([
                "live",
                "--backend",
                backend,
                "-i",
                "nosuch0",
                "--count",
                "1",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("no permission") {
            skip::skip(&format!("{backend} no permission to list capture devices"));
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{backend}: {stderr}");
        assert!(
            stderr.contains("no interface named nosuch0"),
            "{backend}: {stderr}"
        );
        assert!(
            stderr.contains("Interfaces on this machine:") && stderr.contains("lo"),
            "{backend}: {stderr}"
        );
    }
}
