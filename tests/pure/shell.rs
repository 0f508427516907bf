//! `bellows completions` and `bellows man`: scripts a shell runs and pages a pager reads,
//! generated from the command line's own definition.

use std::path::Path;
use std::process::Command;

fn bellows(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "bellows {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// What bash offers after `line` (the word being completed last), with the script loaded.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _bellows bellows '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["-c", &program])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bellows.bash");
    std::fs::write(&script, bellows(dir.path(), &["completions", "bash"])).unwrap();
    let commands = bash_completes(&script, &["bellows", "con"]);
    assert_eq!(commands, ["contract"], "{commands:?}");
    let flags = bash_completes(&script, &["bellows", "contract", "--wa"]);
    assert_eq!(flags, ["--wait"], "{flags:?}");
    let shells = bash_completes(&script, &["bellows", "completions", "f"]);
    assert_eq!(shells, ["fish"], "{shells:?}");
}

#[test]
fn zsh_and_fish_scripts_name_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let zsh = bellows(dir.path(), &["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef bellows"), "{}", &zsh[..40]);
    let fish = bellows(dir.path(), &["completions", "fish"]);
    for command in [
        "init", "new", "adopt", "expand", "backfill", "contract", "abort",
    ] {
        assert!(zsh.contains(&format!("'{command}:")), "zsh: {command}");
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "fish: {command}"
        );
    }
}

#[test]
fn man_prints_the_page_and_writes_one_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let page = bellows(dir.path(), &["man"]);
    assert!(page.contains(".TH bellows 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains("bellows\\-expand(1)"), "{page}");
    let out = bellows(dir.path(), &["man", "--dir", "man1"]);
    assert!(out.starts_with("wrote the manual pages into man1"), "{out}");
    for name in ["bellows.1", "bellows-expand.1", "bellows-rollout-record.1"] {
        let text = std::fs::read_to_string(dir.path().join("man1").join(name)).unwrap();
        assert!(text.starts_with(".ie"), "{name}: {text}");
    }
    let contract = std::fs::read_to_string(dir.path().join("man1/bellows-contract.1")).unwrap();
    assert!(contract.contains("\\-\\-wait"), "{contract}");
}
