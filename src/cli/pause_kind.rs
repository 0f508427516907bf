//! Which throttle pauses are the same kind, and how long one stays said on the progress
//! output.

use std::time::Duration;

/// How long a kind of pause stays said: after that a new run of it is said again.
pub const SAY_AGAIN_AFTER: Duration = Duration::from_secs(30);

/// A pause's reason without its figures ("app probe p99 12.3 ms" and "... 9.8 ms" are one
/// kind).
pub fn kind(reason: &str) -> String {
    let mut out = String::new();
    for c in reason.chars() {
        if c.is_ascii_digit() || (c == '.' && out.ends_with('#')) {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}
