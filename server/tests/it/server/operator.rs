//! An operator's mistakes, as the issue found them: each one refused by
//! `check-config` (and by `serve`) before anything starts, with exit 2 and
//! a message naming the key, where its value came from, and the fix.

use std::process::Output;

use super::binary;

fn run(args: &[&str], toml: &str, env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shotsink.toml");
    std::fs::write(&file, toml).unwrap();
    let mut command = binary();
    command
        .args(args)
        .arg("--config")
        .arg(&file)
        .current_dir(dir.path());
    // A configuration that names no secret is refused: the mistakes here
    // are about something else, unless the test names its own.
    if !toml.contains("[secrets]") && !env.iter().any(|(k, _)| k.starts_with("SHOTSINK_SECRET")) {
        command.env("SHOTSINK_SECRET", "a-strong-enough-secret-9f2k");
    }
    command.envs(env.iter().copied()).output().unwrap()
}

/// Exit 2, and every one of `words` in what it printed on standard error.
fn refused(args: &[&str], toml: &str, env: &[(&str, &str)], words: &[&str]) {
    let out = run(args, toml, env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} {toml} {env:?}: {stderr}"
    );
    for word in words {
        assert!(stderr.contains(word), "{word} not in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_store_location_that_serve_would_refuse_or_misread_is_refused() {
    for (url, fix) in [
        ("htp://bucket", "unknown scheme `htp:`"),
        ("s3://", "names no bucket"),
        ("s3:/my-captures", "mistyped `://`"),
        ("az:container", "mistyped `://`"),
    ] {
        let toml = format!("[store]\nurl = \"{url}\"\n");
        let words = ["`store.url`", "shotsink.toml line 2", fix];
        refused(&["check-config"], &toml, &[], &words);
        refused(&["serve"], &toml, &[], &words);
    }
    // A directory that cannot be made: its parent is a file (root may
    // write anywhere else, so this is the case a test run as root sees).
    let file = tempfile::NamedTempFile::new().unwrap();
    let under = file.path().join("captures");
    let toml = format!("[store]\nurl = \"{}\"\n", under.display());
    refused(
        &["check-config"],
        &toml,
        &[],
        &["`store.url`", "is not a directory"],
    );
    // check-config created nothing.
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("new/captures");
    let toml = format!("[store]\nurl = \"{}\"\n", fresh.display());
    let out = run(&["check-config"], &toml, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("new").exists());
}

#[test]
fn addresses_in_use_or_shared_are_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let env = [("SHOTSINK_LISTEN", addr.as_str())];
    let words = [
        "`listen`",
        "environment variable SHOTSINK_LISTEN",
        &addr,
        "in use",
    ];
    refused(&["check-config", "--bind"], "", &env, &words);
    refused(&["serve"], "[store]\nurl = \"memory://\"\n", &env, &words);
    let shared = "listen = \"127.0.0.1:3999\"\nadmin_listen = \"0.0.0.0:3999\"\n";
    let words = ["`admin_listen`", "shotsink.toml line 2", "another port"];
    refused(&["check-config"], shared, &[], &words);
}

#[test]
fn a_log_level_that_would_silence_everything_is_refused() {
    for level in ["verbose", "info,loud"] {
        let toml = format!("[log]\nlevel = \"{level}\"\n");
        refused(
            &["check-config"],
            &toml,
            &[],
            &["`log.level`", "line 2", "is not a level"],
        );
    }
    let out = run(
        &["check-config"],
        "[log]\nlevel = \"warn,shotsink=debug\"\n",
        &[],
    );
    assert!(out.status.success());
}

#[test]
fn errors_say_where_the_value_came_from_in_words_an_operator_reads() {
    let env = [("SHOTSINK_LIMITS__MAX_FILESIZE", "1")];
    let words = [
        "unknown key `limits.max_filesize`",
        "environment variable SHOTSINK_LIMITS__MAX_FILESIZE",
        "max_file_size",
    ];
    refused(&["check-config"], "", &env, &words);
    let out = run(&["check-config"], "", &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("figment") && !stderr.contains("alloc::"),
        "{stderr}"
    );
    let words = [
        "`limits.max_fields`",
        "shotsink.toml line 3",
        "five protocol fields",
    ];
    refused(
        &["check-config"],
        "[limits]\n\nmax_fields = 2\n",
        &[],
        &words,
    );
    let words = ["`listen`", "shotsink.toml line 1"];
    refused(&["check-config"], "listen = \"nowhere\"\n", &[], &words);
}

#[test]
fn a_decimal_size_is_said_to_be_one() {
    let out = run(
        &["check-config"],
        "[limits]\nmax_file_size = \"64MB\"\n",
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("is 64000000 bytes"), "{stdout}");
    assert!(stdout.contains("\"64 MiB\""), "{stdout}");
}

#[test]
fn weak_secrets_are_refused_with_a_way_to_make_a_good_one() {
    for weak in [
        "abc",
        "password",
        "aaaaaaaaaaaaaaaaaaaa",
        "abcdefghijklmnopqrstu",
    ] {
        let toml = format!("[secrets]\nvalues = [\"{weak}\"]\n");
        let words = [
            "`secrets.values`",
            "shotsink.toml line 2",
            "too weak",
            "shotsink secret",
        ];
        refused(&["check-config"], &toml, &[], &words);
        refused(&["serve"], &toml, &[], &words);
        let out = run(&["check-config"], &toml, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains(weak) || weak.len() < 4,
            "the secret shown: {stderr}"
        );
    }
    let env = [("SHOTSINK_SECRET", "hunter2")];
    refused(
        &["check-config"],
        "",
        &env,
        &["environment variable SHOTSINK_SECRET"],
    );
    // `shotsink secret` makes one that passes.
    let made = binary().arg("secret").output().unwrap();
    let secret = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert_eq!(secret.len(), 32);
    let toml = format!("[secrets]\nvalues = [\"{secret}\"]\n");
    assert!(run(&["check-config"], &toml, &[]).status.success());
}

#[test]
fn a_configuration_file_without_a_secret_is_refused() {
    let out = binary()
        .args(["check-config", "--config", "/dev/null"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no callback secret"), "{stderr}");
}

#[test]
fn every_secret_can_come_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let values = write(
        "values",
        "first-strong-secret-8d2k\nsecond-strong-secret-3j9x\n",
    );
    let mint = write("mint", "mint-key-0123456789abcdef0123456789abcdef");
    let notify = write("notify", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    let toml = format!(
        "[secrets]\nvalues_file = \"{values}\"\nmint_keys = [{{ id = \"k1\", key_file = \"{mint}\" }}]\n\
         [notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret_file = \"{notify}\"\n"
    );
    let out = run(&["check-config"], &toml, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("values = [\"<redacted>\", \"<redacted>\"]"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("first-strong") && !stdout.contains("MfKQ9r8"),
        "{stdout}"
    );
    // The short form, and a file that is missing.
    let short = dir.path().join("short");
    std::fs::write(&short, "short-form-strong-secret-4k8q").unwrap();
    let env = [("SHOTSINK_SECRET_FILE", short.to_str().unwrap())];
    let out = binary().args(["check-config"]).envs(env).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let both = format!(
        "[notify]\nurl = \"http://127.0.0.1:8000/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nsecret_file = \"{notify}\"\n"
    );
    refused(
        &["check-config"],
        &both,
        &[],
        &["`notify.secret_file`", "set one or the other"],
    );
    let env = [
        ("SHOTSINK_NOTIFY__URL", "http://127.0.0.1:8000/"),
        ("SHOTSINK_NOTIFY__SECRET_FILE", "/nonexistent/secret"),
    ];
    refused(
        &["check-config"],
        "",
        &env,
        &[
            "`notify.secret_file`",
            "environment variable SHOTSINK_NOTIFY__SECRET_FILE",
            "/nonexistent/secret",
        ],
    );
}
