//! The process's open-file limit: raised to its hard limit at start, and the WebSocket limit
//! derived from it, so that sockets can never take the files the store, the scenario folder
//! and plain HTTP requests need (issue #20: under `ulimit -n 1024`, 1,009 sockets made
//! honest joins and `/healthz` time out).

/// Open files kept free for the database and its WAL, scenario files, the log and HTTP
/// requests (each a socket too) when WebSockets are at their limit.
pub const RESERVED_FILES: u64 = 256;

/// Raises the soft limit on open files to the hard limit; answers the soft limit after.
pub fn raise_open_files() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

/// The WebSocket connections that fit in `files` open files, at most `wanted`.
pub fn connections_within(files: u64, wanted: usize) -> usize {
    let room = usize::try_from(files.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
    wanted.min(room.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_limit_leaves_room_for_files_and_http() {
        assert_eq!(connections_within(1024, 20_000), 768);
        assert_eq!(connections_within(1_048_576, 20_000), 20_000);
        assert_eq!(connections_within(100, 20_000), 1, "never zero");
        assert!(raise_open_files().is_some_and(|n| n >= 64));
    }
}
