//! The work dir is the pipeline's state: one artifact file per stage, written atomically.

use crate::artifact::Artifact;
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
        Ok(self.read_artifact("rerun the stage with --force")?.map(|(a, _)| a))
    }

    /// Load an artifact that an earlier stage must have written; the error says which stage to run.
    pub fn load<A: Artifact>(&self, stage_hint: &str) -> Result<A> {
        Ok(self.load_hashed(stage_hint)?.artifact)
    }

    /// [`WorkDir::load`], with the sha256 of the file: what a later stage records among its inputs.
    pub fn load_hashed<A: Artifact>(&self, stage_hint: &str) -> Result<Hashed<A>> {
        // A stale or damaged artifact of an earlier stage is fixed by rerunning *that* stage.
        let (artifact, text) = self
            .read_artifact::<A>(&format!("rerun `{stage_hint} --force`"))?
            .with_context(|| format!("{} is missing: run `{}` first", self.path(A::FILE).display(), stage_hint))?;
        Ok(Hashed { artifact, sha256: sha256_bytes(text.as_bytes()) })
    }

    /// The artifact with the text it was read from.
    fn read_artifact<A: Artifact>(&self, rerun: &str) -> Result<Option<(A, String)>> {
        let p = self.path(A::FILE);
        if !p.exists() {
            return Ok(None);
        }
        // The secretary's own work is never made again by a stage: it says what to do instead.
        let (damaged, outdated) = match A::UNUSABLE {
            Some(fix) => (format!("fix it or {fix}"), fix.to_string()),
            None => (format!("delete it or {rerun}"), format!("{rerun} to rebuild it")),
        };
        let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let a: A =
            serde_json::from_str(&text).with_context(|| format!("{} is not a valid {} artifact: {damaged}", p.display(), A::FILE))?;
        if a.version() != A::VERSION {
            bail!("{} was written by another version of referat (format {}, this is {}): {outdated}", p.display(), a.version(), A::VERSION);
        }
        Ok(Some((a, text)))
    }

    /// Save an artifact atomically.
    pub fn save<A: Artifact>(&self, a: &A) -> Result<()> {
        let json = serde_json::to_vec_pretty(a)?;
        write_atomic(&self.path(A::FILE), &json)
    }
}

/// An artifact with the sha256 of the file it was read from.
#[derive(Debug, Clone)]
pub struct Hashed<A> {
    pub artifact: A,
    pub sha256: String,
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
        let h = wd.load_hashed::<Transcript>("referat transcribe").unwrap();
        assert_eq!((h.artifact, h.sha256), (t.clone(), sha256_file(&wd.path(Transcript::FILE)).unwrap()));

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
    fn the_review_goes_through_the_same_versioned_path() {
        use crate::review::{Review, REVIEW_VERSION};
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::create(dir.path()).unwrap();
        assert_eq!(wd.load_opt::<Review>().unwrap(), None);
        let r = Review { version: REVIEW_VERSION, draft_hash: "abc".into(), ..Default::default() };
        wd.save(&r).unwrap();
        assert_eq!(wd.load_opt::<Review>().unwrap(), Some(r));
        // The secretary's work is never "rebuilt": the message says to move it away.
        let p = wd.path("review.json");
        std::fs::write(&p, format!(r#"{{"version": {}, "draft_hash": ""}}"#, REVIEW_VERSION + 1)).unwrap();
        let e = format!("{:#}", wd.load_opt::<Review>().unwrap_err());
        assert!(e.contains("written by another version of referat") && e.ends_with("move it away to start the review afresh"), "{e}");
        std::fs::write(&p, "{").unwrap();
        let e = format!("{:#}", wd.load_opt::<Review>().unwrap_err());
        assert!(e.contains("is not a valid review.json artifact: fix it or move it away"), "{e}");
        assert!(!e.contains("--force"), "{e}");
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
