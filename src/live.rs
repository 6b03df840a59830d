//! `kubepath collect` and `--live`: run the live collectors, write the snapshot folder, say
//! on stderr what was collected, skipped and not visible.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use kubepath_collectors::live::{Collection, write_snapshot};

use crate::config::Live;

/// Run every enabled collector, concurrently.
fn collect_all(live: &Live) -> Result<Vec<(&'static str, Collection)>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (kube, aws) = runtime.block_on(async {
        let kube = async {
            match &live.kube {
                Some(opts) => kubepath_collectors::live::kube::collect(opts).await,
                None => skipped("--no-kubernetes"),
            }
        };
        let aws = async {
            match &live.aws {
                Some(opts) => kubepath_collectors::live::aws::collect(opts).await,
                None => skipped("--no-aws"),
            }
        };
        tokio::join!(kube, aws)
    });
    Ok(vec![("kubernetes", kube), ("aws", aws)])
}

fn skipped(reason: &str) -> Collection {
    Collection {
        skipped: Some(reason.into()),
        ..Collection::default()
    }
}

/// Collect into `out`; whether anything at all was collected.
pub fn collect_into(out: &Path, live: &Live) -> Result<bool> {
    let collections = collect_all(live)?;
    let any = collections.iter().any(|(_, c)| !c.is_empty());
    if !any {
        let reasons: Vec<String> = collections
            .iter()
            .map(|(name, c)| {
                format!(
                    "{name}: {}",
                    c.skipped.as_deref().unwrap_or("nothing could be read")
                )
            })
            .collect();
        eprintln!("kubepath: nothing collected\n  {}", reasons.join("\n  "));
        return Ok(false);
    }
    let refs: Vec<&Collection> = collections.iter().map(|(_, c)| c).collect();
    let written =
        write_snapshot(out, &refs).with_context(|| format!("writing {}", out.display()))?;
    if !live.quiet {
        for (name, c) in &collections {
            match &c.skipped {
                Some(reason) => eprintln!("kubepath: {name}: skipped: {reason}"),
                None => eprintln!(
                    "kubepath: {name}: {} files, {} coverage gaps",
                    c.files.len(),
                    c.gaps.len()
                ),
            }
            for g in &c.gaps {
                let ns = g
                    .namespace
                    .as_deref()
                    .map(|n| format!(" in namespace {n}"))
                    .unwrap_or_default();
                eprintln!(
                    "  not visible: {}{ns} ({}): {}",
                    g.what, g.reason, g.may_hide
                );
            }
        }
        eprintln!(
            "kubepath: wrote {} files to {}",
            written.len(),
            out.display()
        );
    }
    Ok(true)
}

/// A folder for `--live`, removed when dropped.
pub struct TempSnapshot(PathBuf);

impl TempSnapshot {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempSnapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Collect into a fresh temporary folder (for `scan --live` and `graph --live`).
pub fn collect_to_temp(live: &Live) -> Result<TempSnapshot> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir =
        std::env::temp_dir().join(format!("kubepath-live-{}-{nanos:08x}", std::process::id()));
    let temp = TempSnapshot(dir);
    if !collect_into(temp.path(), live)? {
        anyhow::bail!("the live collection read nothing (see above)");
    }
    Ok(temp)
}
