//! The work dir is the pipeline's state: one artifact file per stage, written atomically.

use crate::artifact::{Artifact, Inputs, FORMAT_VERSION};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub struct WorkDir {
    pub root: PathBuf,
}

impl WorkDir {
    /// Open (and create) a work dir. Fails clearly when it cannot be created or written.
    pub fn create(root: &Path) -> Result<WorkDir> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create work dir {}: choose a writable --out folder", root.display()))?;
        // A killed run (SIGKILL, power loss) can leave our temporary files behind; they were
        // never renamed into place, so they are garbage, never a usable artifact.
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(".referat-") && name.ends_with(".tmp") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(WorkDir { root: root.to_path_buf() })
    }

    /// Open an existing work dir (for stages that need earlier artifacts).
    pub fn open(root: &Path) -> Result<WorkDir> {
        if !root.is_dir() {
            bail!("work dir {} does not exist: run `referat transcribe --out {}` first", root.display(), root.display());
        }
        Ok(WorkDir { root: root.to_path_buf() })
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.root.join(file)
    }

    /// Load an artifact, or `None` if the stage has not run yet.
    pub fn load_opt<A: Artifact>(&self) -> Result<Option<A>> {
        self.read_artifact("rerun the stage with --force")
    }

    /// Load an artifact that an earlier stage must have written; the error says which stage to run.
    pub fn load<A: Artifact>(&self, stage_hint: &str) -> Result<A> {
        // A stale or damaged artifact of an earlier stage is fixed by rerunning *that* stage.
        self.read_artifact::<A>(&format!("rerun `{stage_hint} --force`"))?
            .with_context(|| format!("{} is missing: run `{}` first", self.path(A::FILE).display(), stage_hint))
    }

    fn read_artifact<A: Artifact>(&self, rerun: &str) -> Result<Option<A>> {
        let p = self.path(A::FILE);
        if !p.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let a: A = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid {} artifact: delete it or {rerun}", p.display(), A::FILE))?;
        if a.version() != FORMAT_VERSION {
            bail!(
                "{} was written by another version of referat (format {}, this is {}): {rerun} to rebuild it",
                p.display(),
                a.version(),
                FORMAT_VERSION
            );
        }
        Ok(Some(a))
    }

    pub fn save<A: Artifact>(&self, a: &A) -> Result<()> {
        let json = serde_json::to_vec_pretty(a)?;
        write_atomic(&self.path(A::FILE), &json)
    }

    /// True when the artifact exists, has this format version, and was made from `inputs`.
    pub fn is_fresh<A: Artifact>(&self, inputs: &Inputs) -> bool {
        matches!(self.load_opt::<A>(), Ok(Some(a)) if a.inputs() == inputs)
    }
}

/// Exclusive use of a work dir by one referat process that writes artifacts (a stage, `run`,
/// or the review server for as long as it serves). An advisory `flock` on the folder itself,
/// so no lock file is left behind and a killed process releases it at once.
pub struct WorkLock {
    _dir: std::fs::File,
}

/// Note left in the work dir by the review server while it serves, so a command that finds
/// the work dir locked can say where the page is. Removed when the server stops.
pub const REVIEW_NOTE: &str = ".referat-review";

/// Take the work dir's lock (creating the folder if needed), or fail with a message that
/// says who holds it and what to do.
pub fn lock(root: &Path) -> Result<WorkLock> {
    std::fs::create_dir_all(root).with_context(|| format!("cannot create work dir {}: choose a writable --out folder", root.display()))?;
    let dir = std::fs::File::open(root).with_context(|| format!("cannot open work dir {}", root.display()))?;
    match dir.try_lock() {
        Ok(()) => Ok(WorkLock { _dir: dir }),
        Err(std::fs::TryLockError::WouldBlock) => {
            let note = std::fs::read_to_string(root.join(REVIEW_NOTE)).unwrap_or_default();
            // The note is only believed while its process lives (a killed server leaves it behind).
            let live = note
                .lines()
                .next()
                .and_then(|pid| pid.trim().parse::<u32>().ok())
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists() || !Path::new("/proc/self").exists());
            match note.lines().nth(1).filter(|_| live) {
                Some(url) => bail!(
                    "work dir {} is open for review at {url} (`referat review`, pid {}): use that page (its «Lag nytt utkast» re-drafts from there), or stop the review with Ctrl-C and run this again",
                    root.display(),
                    note.lines().next().unwrap_or("").trim()
                ),
                None => bail!(
                    "work dir {} is in use by another referat process (a stage, `referat run` or `referat review`): wait for it to finish or stop it, then run this again",
                    root.display()
                ),
            }
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock work dir {}", root.display())),
    }
}

/// Write a file so that readers see either the old or the complete new content, never half:
/// write a temporary file in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fix = "check that the folder exists, is writable and the disk is not full";
    let mut tmp = tempfile::Builder::new()
        .prefix(".referat-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}: {fix}", dir.display()))?;
    // tempfile creates 0600; documents and artifacts should be as readable as any file the user writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.write_all(bytes).and_then(|_| tmp.as_file().sync_all()).with_context(|| format!("cannot write {}: {fix}", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}: {fix}", path.display()))?;
    Ok(())
}

pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// sha256 of a file, streamed (recordings and models are large).
pub fn sha256_file(path: &Path) -> Result<String> {
    sha256_file_with(path, |_| {})
}

/// sha256 of a file, streamed, telling `progress` how many bytes each chunk had.
pub fn sha256_file_with(path: &Path, mut progress: impl FnMut(u64)) -> Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        progress(n as u64);
    }
    Ok(hex::encode(h.finalize()))
}

/// A cheap identity for large files (size + mtime + path) where a full hash would cost
/// seconds per run: used for "is this stage up to date" checks on recordings and models.
pub fn file_fingerprint(path: &Path) -> Result<String> {
    let md = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mtime = md.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs()).unwrap_or(0);
    Ok(sha256_bytes(format!("{}|{}|{}", path.display(), md.len(), mtime).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::*;

    #[test]
    fn artifacts_round_trip_and_old_versions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::create(dir.path()).unwrap();
        let t = Transcript {
            version: FORMAT_VERSION,
            inputs: [("audio".to_string(), "abc".to_string())].into(),
            source: "asr".into(),
            model: None,
            duration: 3.0,
            segments: vec![Segment { start: 0.0, end: 1.5, text: "Hei".into(), speaker: None, words: vec![], ..Default::default() }],
            warnings: vec![],
        };
        wd.save(&t).unwrap();
        assert_eq!(wd.load_opt::<Transcript>().unwrap(), Some(t.clone()));
        assert!(wd.is_fresh::<Transcript>(&t.inputs));
        assert!(!wd.is_fresh::<Transcript>(&Inputs::new()));

        let s = Segmentation {
            version: FORMAT_VERSION,
            inputs: Inputs::new(),
            items: vec![ItemSegment {
                saksnr: "13/25".into(),
                spans: vec![[1.0, 2.0]],
                status: ItemStatus::Discussed,
                joint_with: vec![],
                confidence: [0.9, 0.8],
                manual: false,
            }],
            other: vec![],
        };
        wd.save(&s).unwrap();
        assert_eq!(wd.load_opt::<Segmentation>().unwrap(), Some(s));

        let line = Line { text: "x".into(), source: vec![[1.0, 2.0]], flags: vec![], origin: Origin::Model };
        let d = Draft {
            version: FORMAT_VERSION,
            inputs: Inputs::new(),
            model: "m".into(),
            items: vec![DraftItem {
                saksnr: "13/25".into(),
                intro: "i".into(),
                innspill: vec![line.clone()],
                aksjonspunkter: vec![],
                vedtak: line,
                joint_with: vec![],
                status: ItemStatus::Discussed,
            }],
        };
        wd.save(&d).unwrap();
        assert_eq!(wd.load_opt::<Draft>().unwrap(), Some(d));

        std::fs::write(wd.path(Transcript::FILE), r#"{"segments":[]}"#).unwrap();
        let e = format!("{:#}", wd.load_opt::<Transcript>().unwrap_err());
        assert!(e.contains("--force"), "{e}");
    }

    #[test]
    fn a_locked_work_dir_is_refused_with_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("w");
        let held = lock(&root).unwrap();
        let e = format!("{:#}", lock(&root).err().expect("second lock must fail"));
        assert!(e.contains("in use by another referat process"), "{e}");
        std::fs::write(root.join(REVIEW_NOTE), format!("{}\nhttp://127.0.0.1:8737/\n", std::process::id())).unwrap();
        let e = format!("{:#}", lock(&root).err().unwrap());
        assert!(e.contains("open for review at http://127.0.0.1:8737/"), "{e}");
        drop(held);
        lock(&root).unwrap();
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "only the note: no lock file");
    }

    #[test]
    fn atomic_write_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
