//! `kubepath-samples --pods N --principals M --seed S --out DIR`: write a generated estate.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use kubepath_samples::{Params, generate};

const USAGE: &str = "usage: kubepath-samples --pods N --principals M [--seed S] --out DIR";

fn parse() -> Result<(Params, PathBuf)> {
    let mut params = Params {
        pods: 1_000,
        principals: 100,
        seed: 1,
    };
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<u64>()
                .with_context(|| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--pods" => params.pods = number()? as usize,
            "--principals" => params.principals = number()? as usize,
            "--seed" => params.seed = number()?,
            "--out" => out = Some(PathBuf::from(&value)),
            _ => bail!("unknown flag {flag}\n{USAGE}"),
        }
    }
    let out = out.with_context(|| format!("--out is required\n{USAGE}"))?;
    Ok((params, out))
}

fn main() -> ExitCode {
    let run = || -> Result<()> {
        let (params, out) = parse()?;
        let summary = generate(&params, &out)
            .with_context(|| format!("writing the estate to {}", out.display()))?;
        for (file, n) in &summary.files {
            println!("{file}: {n}");
        }
        println!(
            "{} pods, {} IAM principals in {}",
            summary.pods,
            summary.principals,
            out.display()
        );
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kubepath-samples: {e:#}");
            ExitCode::from(2)
        }
    }
}
