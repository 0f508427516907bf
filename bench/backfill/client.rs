//! The bench's client: point reads and updates of random rows at a steady rate (open loop),
//! served by a small pool, with every request's latency.

use mysql_async::prelude::Queryable;
use rand::Rng;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::Engine;

/// Connections of the client's pool.
const CONNECTIONS: u32 = 4;

/// When the measured work ended: requests due after it are not sent.
pub type StopAt = Arc<OnceLock<Instant>>;

/// Every request's latency (reads marked `true`) and the number that failed.
pub type Latencies = (Vec<(bool, Duration)>, u64);

/// Requests waiting for a free connection of the pool: when each was due.
type Queue = Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Instant>>>;

/// An open-loop schedule: request `i` is due at `start + i * every`, whatever happened to
/// the earlier ones. A latency is measured from when the request was due, not from when a
/// connection got round to it, so a request stuck behind a lock is charged for its wait and
/// so are the requests that queued while every connection was busy — as a real app's would
/// be (no coordinated omission).
struct Pacer {
    start: Instant,
    every: Duration,
    sent: u32,
}

impl Pacer {
    /// When the next request is due (waiting for it), or `None` once it is due after `stop`.
    async fn next(&mut self, stop: &StopAt) -> Option<Instant> {
        let due = self.start + self.every * self.sent;
        self.sent += 1;
        let past = |stop: &StopAt| stop.get().is_some_and(|at| due >= *at);
        if past(stop) {
            return None;
        }
        tokio::time::sleep_until(due.into()).await;
        (!past(stop)).then_some(due)
    }
}

/// Point reads and updates of random rows, `rate` requests per second served by a pool of
/// [`CONNECTIONS`] connections (a request waits for a free one), until `stop` is set; every
/// request's latency (failed ones included, e.g. a lock wait timeout) and the number that
/// failed.
pub async fn client(
    engine: Engine,
    url: String,
    table: &'static str,
    rows: u64,
    rate: u64,
    stop: StopAt,
) -> Latencies {
    let (send, queue) = tokio::sync::mpsc::unbounded_channel();
    let queue: Queue = Arc::new(tokio::sync::Mutex::new(queue));
    let mut pacer = Pacer {
        start: Instant::now(),
        every: Duration::from_secs_f64(1.0 / rate.max(1) as f64),
        sent: 0,
    };
    let schedule = tokio::spawn(async move {
        while let Some(due) = pacer.next(&stop).await {
            if send.send(due).is_err() {
                break;
            }
        }
    });
    let pool: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            tokio::spawn(connection(
                engine,
                url.clone(),
                table,
                rows,
                Arc::clone(&queue),
            ))
        })
        .collect();
    schedule.await.expect("client schedule");
    let mut all = (Vec::new(), 0);
    for c in pool {
        let (latencies, failed) = c.await.expect("client connection");
        all.0.extend(latencies);
        all.1 += failed;
    }
    all
}

/// One connection of the client's pool: serves queued requests until the queue closes.
async fn connection(
    engine: Engine,
    url: String,
    table: &'static str,
    rows: u64,
    queue: Queue,
) -> Latencies {
    let mut latencies = Vec::new();
    let mut failed = 0;
    let pick = move || {
        let mut r = rand::thread_rng();
        (
            r.gen_bool(0.5),
            i64::try_from(r.gen_range(1..=rows)).unwrap_or(1),
        )
    };
    match engine {
        Engine::Postgres => {
            let url = format!("{url}?application_name=bench_client");
            let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            let read = c
                .prepare(&format!("SELECT pad FROM {table} WHERE id = $1"))
                .await
                .expect("prepare");
            let write = c
                .prepare(&format!("UPDATE {table} SET hits = hits + 1 WHERE id = $1"))
                .await
                .expect("prepare");
            while let Some(due) = next(&queue).await {
                let (is_read, id) = pick();
                let ok = if is_read {
                    c.query(&read, &[&id]).await.is_ok()
                } else {
                    c.execute(&write, &[&id]).await.is_ok()
                };
                failed += u64::from(!ok);
                latencies.push((is_read, due.elapsed()));
            }
        }
        Engine::Mariadb => {
            let mut c = mysql_async::Conn::from_url(url).await.expect("connect");
            while let Some(due) = next(&queue).await {
                let (is_read, id) = pick();
                let ok = if is_read {
                    c.exec_first::<String, _, _>(
                        format!("SELECT pad FROM {table} WHERE id = ?"),
                        (id,),
                    )
                    .await
                    .is_ok()
                } else {
                    c.exec_drop(
                        format!("UPDATE {table} SET hits = hits + 1 WHERE id = ?"),
                        (id,),
                    )
                    .await
                    .is_ok()
                };
                failed += u64::from(!ok);
                latencies.push((is_read, due.elapsed()));
            }
            c.disconnect().await.expect("disconnect");
        }
    }
    (latencies, failed)
}

/// The next queued request (when it was due), `None` once the schedule ended and the queue
/// is empty.
async fn next(queue: &Queue) -> Option<Instant> {
    queue.lock().await.recv().await
}

/// p50, p99, max.
pub fn percentiles(mut l: Vec<Duration>) -> (Duration, Duration, Duration) {
    l.sort();
    if l.is_empty() {
        return Default::default();
    }
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((l.len() - 1) as f64 * q).round() as usize;
        l[i]
    };
    (at(0.5), at(0.99), l[l.len() - 1])
}

/// Run `work` while the client runs; its result, its duration and the client's latencies.
pub async fn under_load<T>(
    engine: Engine,
    url: &str,
    table: &'static str,
    rows: u64,
    rate: u64,
    work: impl std::future::Future<Output = T>,
) -> (T, Duration, Latencies) {
    let stop = StopAt::default();
    let task = tokio::spawn(client(
        engine,
        url.to_string(),
        table,
        rows,
        rate,
        Arc::clone(&stop),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let out = work.await;
    let took = t.elapsed();
    let _ = stop.set(Instant::now());
    (out, took, task.await.expect("client"))
}
