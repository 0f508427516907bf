//! The command source: a user command (e.g. one asking Kubernetes for a Deployment's images)
//! prints the running versions, as a JSON array, `{"versions": [...]}`, or one per line. A
//! failing command keeps the gate closed.

use super::{Clause, RolloutOrder, SourceKind, SourceReport, Verdict};
use std::time::Duration;

/// How much of a failing command's stderr is kept (it lands in logs and the events table;
/// the command line itself, which may carry a token, is never repeated).
const STDERR_SHOWN: usize = 200;

/// Run the command and judge the versions it prints (all of them against the clause: the
/// command is the operator's, and says what runs of the app it is about).
pub(super) async fn report(
    command: &str,
    timeout: Duration,
    clause: &Clause,
    order: &RolloutOrder,
) -> SourceReport {
    let verdict = |verdict, summary: String, evidence| SourceReport {
        source: SourceKind::Command,
        verdict,
        summary,
        evidence,
    };
    let run = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(timeout, run).await {
        Err(_) => {
            return verdict(
                Verdict::Contradicts,
                format!("the gate command did not finish within {timeout:?}"),
                vec![],
            )
        }
        Ok(Err(e)) => {
            return verdict(
                Verdict::Contradicts,
                format!("the gate command could not run: {e}"),
                vec![],
            )
        }
        Ok(Ok(o)) => o,
    };
    if !output.status.success() {
        let mut stderr: String = String::from_utf8_lossy(&output.stderr)
            .trim()
            .chars()
            .take(STDERR_SHOWN)
            .collect();
        if output.stderr.len() > STDERR_SHOWN {
            stderr.push('…');
        }
        return verdict(
            Verdict::Contradicts,
            format!("the gate command failed ({}): {stderr}", output.status),
            vec![],
        );
    }
    let versions = parse_versions(&String::from_utf8_lossy(&output.stdout));
    if versions.is_empty() {
        return verdict(
            Verdict::NoEvidence,
            "the gate command printed no versions".to_string(),
            vec![],
        );
    }
    let outside: Vec<&String> = versions
        .iter()
        .filter(|v| clause.admits(None, v, order) != Ok(true))
        .collect();
    if outside.is_empty() {
        verdict(
            Verdict::Supports,
            format!("running versions {} are all in range", versions.join(", ")),
            versions,
        )
    } else {
        let listed: Vec<&str> = outside.iter().map(|s| s.as_str()).collect();
        verdict(
            Verdict::Contradicts,
            format!("still running outside the range: {}", listed.join(", ")),
            versions,
        )
    }
}

/// Versions from a JSON array, a `{"versions": [...]}` object, or lines.
fn parse_versions(stdout: &str) -> Vec<String> {
    let trimmed = stdout.trim();
    let from_json = |value: &serde_json::Value| -> Option<Vec<String>> {
        let list = value
            .as_array()
            .or_else(|| value.get("versions")?.as_array())?;
        Some(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        )
    };
    if let Some(list) = serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .as_ref()
        .and_then(from_json)
    {
        return list;
    }
    trimmed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_lines() {
        assert_eq!(
            parse_versions("[\"2.4.0\", \"2.5.1\"]"),
            vec!["2.4.0", "2.5.1"]
        );
        assert_eq!(parse_versions("{\"versions\": [\"2.4.0\"]}"), vec!["2.4.0"]);
        assert_eq!(parse_versions("2.4.0\n\n2.4.1\n"), vec!["2.4.0", "2.4.1"]);
    }

    #[tokio::test]
    async fn a_command_decides_and_a_failing_one_closes() {
        let req = crate::gate::Requirement::parse(">=2.0.0").unwrap();
        let order = RolloutOrder::default();
        let report = |c: &'static str, t| {
            let clause = req.clauses()[0].clone();
            let order = order.clone();
            async move { super::report(c, t, &clause, &order).await }
        };
        let t = Duration::from_secs(10);
        assert_eq!(
            report("printf '2.1.0\\n2.0.3\\n'", t).await.verdict,
            Verdict::Supports
        );
        let old = report("echo '[\"1.9.0\", \"2.1.0\"]'", t).await;
        assert_eq!(old.verdict, Verdict::Contradicts);
        assert!(old.summary.contains("1.9.0"), "{}", old.summary);
        let failed = report("echo boom >&2; exit 3", t).await;
        assert_eq!(failed.verdict, Verdict::Contradicts);
        assert!(failed.summary.contains("boom"), "{}", failed.summary);
        assert_eq!(
            report("sleep 5", Duration::from_millis(200)).await.verdict,
            Verdict::Contradicts
        );
    }
}
