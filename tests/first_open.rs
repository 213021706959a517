//! SQLite marks itself initialised before SQLCipher's own start-up has run (sqlite3_initialize
//! runs SQLCipher's `SQLITE_EXTRA_INIT` after setting `isInit`, outside its mutex), so a thread
//! that opens a database while another is doing the process's very first open could be refused
//! its key ("An error occurred with PRAGMA key", SQLITE_ERROR): seen once in CI, creating a
//! vault, and about once in 60 processes here with 64 threads. `db::open` waits for SQLCipher
//! to be ready. The race exists only at a process's first open, so the test runs itself as
//! fresh processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::{Arc, Barrier};

use casebook::secret::Key32;
use casebook::vault::db::{self, CipherProfile};

const CHILD: &str = "CASEBOOK_FIRST_OPEN_CHILD";
const TEST: &str = "the_first_databases_of_a_process_opened_at_once_all_take_their_keys";

#[test]
fn the_first_databases_of_a_process_opened_at_once_all_take_their_keys() {
    if std::env::var_os(CHILD).is_some() {
        open_many_at_once();
        return;
    }
    let me = std::env::current_exe().unwrap();
    for run in 0..100 {
        let out = Command::new(&me)
            .args(["--exact", TEST, "--nocapture", "--test-threads", "1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "process {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("sqlcipher"),
            "SQLCipher wrote to standard error: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// 64 threads, each opening its own new database at the same moment: this process's first.
fn open_many_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let threads = 64;
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let start = start.clone();
            let path = tmp.path().join(format!("vault-{i}.db"));
            std::thread::spawn(move || {
                let key = Key32::random().unwrap();
                start.wait();
                db::open(&path, &key, CipherProfile::NEW_VAULTS, true).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
}
