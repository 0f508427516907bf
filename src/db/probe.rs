//! Finding out who blocks a waiting statement: while the statement waits for its lock, a
//! second connection asks the server which sessions hold it, so a lock timeout can be logged
//! with the blocker's name.

use std::future::Future;
use std::time::Duration;

/// Run `work`; if it is still running after `delay`, run `probe` alongside it and keep its
/// answer. Returns the work's output and the probe's answer, if it got one in time.
pub(super) async fn while_probing<W, P>(
    work: W,
    delay: Duration,
    probe: P,
) -> (W::Output, Option<String>)
where
    W: Future,
    P: Future<Output = Option<String>>,
{
    let probe = async {
        tokio::time::sleep(delay).await;
        probe.await
    };
    tokio::pin!(work);
    tokio::pin!(probe);
    let mut found = None;
    let mut probed = false;
    loop {
        tokio::select! {
            out = &mut work => return (out, found),
            answer = &mut probe, if !probed => {
                probed = true;
                found = answer;
            }
        }
    }
}

/// How long into a lock wait to look for the blocker.
#[must_use]
pub(super) fn probe_delay(lock_timeout: Duration) -> Duration {
    lock_timeout.mul_f64(0.6)
}
