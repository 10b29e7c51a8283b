//! The configuration as users write it: every `shotsink.toml` of the README is
//! accepted by `check-config`, and a mistake is an error naming the key,
//! with exit code 2, never a panic.

use std::process::Output;

use super::{binary, readme_blocks};

fn check_config(toml: &str, env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shotsink.toml");
    std::fs::write(&file, toml).unwrap();
    let mut command = binary();
    command.arg("check-config").arg("--config").arg(&file);
    // A configuration that names no secret is refused: the mistakes below
    // are about something else. The README's each name theirs.
    if !toml.contains("[secrets]") {
        command.env("SHOTSINK_SECRET", "a-strong-enough-secret-9f2k");
    }
    command.envs(env.iter().copied()).output().unwrap()
}

#[test]
fn every_configuration_in_the_readme_is_accepted() {
    // The configurations, not the `Cargo.toml` snippets.
    let blocks: Vec<String> = readme_blocks("toml")
        .into_iter()
        .filter(|b| b.starts_with("# shotsink.toml"))
        .collect();
    assert!(blocks.len() >= 2, "the README's configurations");
    for block in blocks {
        let out = check_config(&block, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{block}\n{stdout}\n{stderr}");
        assert!(stdout.contains("configuration ok"), "{stdout}");
        // Secrets are never printed.
        for line in block.lines().filter(|l| l.contains("secret")) {
            if let Some((_, value)) = line.split_once('=') {
                let value = value.trim().trim_matches('"');
                if value.len() > 8 && !value.starts_with('[') {
                    assert!(!stdout.contains(value), "{value} printed:\n{stdout}");
                }
            }
        }
    }
}

#[test]
fn mistakes_are_errors_naming_the_key_with_exit_code_2() {
    for (toml, env, names) in [
        (
            "[limits]\nmax_fil_size = \"1 MiB\"\n",
            vec![],
            "max_fil_size",
        ),
        (
            "[capture]\non_existing = \"sometimes\"\n",
            vec![],
            "on_existing",
        ),
        ("listen = \"nowhere\"\n", vec![], "listen"),
        ("", vec![("SHOTSINK_LIMITS__NOPE", "1")], "nope"),
        ("[limits]\nmax_fields = 2\n", vec![], "max_fields"),
        (
            "[hooks]\nauthorize = \"http://127.0.0.1:8000/authorize\"\n",
            vec![],
            "hooks.secret",
        ),
        (
            "[hooks]\nauthorize = \"ftp://app\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
            vec![],
            "hooks.authorize",
        ),
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nschedule = [\"5s\"]\nmax_attempts = 3\n",
            vec![],
            "notify.schedule",
        ),
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\ntimeout = \"0s\"\n",
            vec![],
            "notify.timeout",
        ),
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nlease = \"500ms\"\n",
            vec![],
            "notify.lease",
        ),
        (
            "[hooks]\nauthorize = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nconcurrency = 0\n",
            vec![],
            "hooks.concurrency",
        ),
        // A rendition that is no preset: the key, and what to write.
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\n[renditions]\nlist = [\"thumbnail\"]\n",
            vec![],
            "`renditions.list`",
        ),
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\n[renditions]\nlist = [\"thumbnail\"]\n",
            vec![],
            "name=WIDTHxHEIGHT",
        ),
        // Impossible limits: the key.
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\n[renditions]\nlist = [\"thumb\"]\nthreads = 0\n",
            vec![],
            "renditions.threads",
        ),
        (
            "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\n[renditions]\nlist = [\"thumb\"]\nmemory_budget = \"1 MiB\"\n",
            vec![],
            "renditions.memory_budget",
        ),
        // Renditions with no [notify]: the key, and the fix.
        (
            "[renditions]\nlist = [\"thumb\"]\n",
            vec![],
            "renditions.list",
        ),
        (
            "[renditions]\nlist = [\"thumb\"]\n",
            vec![],
            "a [notify] section",
        ),
    ] {
        let out = check_config(toml, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{toml}: {stderr}");
        assert!(stderr.contains(names), "{toml}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
