//! One shape for every stage that writes an artifact (transcribe, segment, draft), and the one
//! function that runs them: [`run_stage`] decides whether the stage is up to date, runs it when
//! not, and saves its artifact atomically.
//!
//! A stage is a value that holds everything it reads: typed artifacts of earlier stages
//! (loaded with their hashes, [`crate::workdir::Hashed`]) and typed options. From those it
//! states its inputs ([`Stage::inputs`]); an artifact made from the same inputs is up to date.

use crate::artifact::{Artifact, Derived, Inputs};
use crate::progress::{Note, Report};
use crate::workdir::WorkDir;
use anyhow::Result;

pub trait Stage {
    /// The artifact the stage writes.
    type Output: Derived;
    /// The stage's name in notes and timings: "transcribe", "segment", "draft".
    const NAME: &'static str;
    /// The artifact holds the secretary's edits, which [`Stage::run`] keeps (segments.json's
    /// manual items): an unreadable one stops the stage instead of being replaced, and it is
    /// handed to `run` even when forced.
    const KEEPS_EDITS: bool = false;

    /// Hashes of everything the artifact is made from.
    fn inputs(&self) -> Result<Inputs>;

    /// Make the artifact; [`run_stage`] records its inputs and saves it.
    fn run(&self, ctx: Ctx<'_, Self::Output>) -> Result<Made<Self::Output>>;

    /// Write the artifact into the work dir, atomically (the transcript writes its .vtt and
    /// .srt too).
    fn save(&self, wd: &WorkDir, out: &Self::Output) -> Result<()> {
        wd.save(out)
    }
}

/// What [`Stage::run`] gets to work with.
pub struct Ctx<'a, A> {
    pub wd: &'a WorkDir,
    /// What [`Stage::inputs`] returned.
    pub inputs: &'a Inputs,
    /// The artifact of an earlier run that this run replaces, when it can be read (with
    /// `force`, only for a stage that keeps edits).
    pub previous: Option<A>,
    /// `--force`: redo everything, reuse nothing an interrupted run left.
    pub force: bool,
    pub report: &'a dyn Report,
}

/// What a stage made, and the notes to give once it is saved ("wrote … in 12 s").
pub struct Made<A> {
    pub output: A,
    pub notes: Vec<Note>,
}

impl<A> Made<A> {
    pub fn new(output: A) -> Made<A> {
        Made { output, notes: Vec::new() }
    }

    pub fn then(mut self, note: Note) -> Made<A> {
        self.notes.push(note);
        self
    }
}

/// Run `stage` on `wd`: when its artifact exists, has this format version and was made from
/// the same inputs, load it (noting "up to date") unless `force`; else run the stage, record
/// the inputs in its artifact, save it atomically and return it.
pub fn run_stage<S: Stage>(wd: &WorkDir, stage: &S, force: bool, report: &dyn Report) -> Result<S::Output> {
    let inputs = stage.inputs()?;
    let previous = match previous::<S>(wd, force)? {
        Some(p) if !force && p.inputs() == &inputs => {
            report.note(S::NAME, Note::UpToDate(wd.path(<S::Output as Artifact>::FILE)));
            return Ok(p);
        }
        other => other,
    };
    let made = stage.run(Ctx { wd, inputs: &inputs, previous, force, report })?;
    let mut out = made.output;
    out.set_inputs(inputs);
    stage.save(wd, &out)?;
    for note in made.notes {
        report.note(S::NAME, note);
    }
    Ok(out)
}

/// The artifact an earlier run left, if it can be read. A damaged one or one from another
/// format version is simply made again, unless it holds the secretary's edits.
fn previous<S: Stage>(wd: &WorkDir, force: bool) -> Result<Option<S::Output>> {
    if force && !S::KEEPS_EDITS {
        return Ok(None);
    }
    match wd.load_opt::<S::Output>() {
        Ok(p) => Ok(p),
        Err(_) if !S::KEEPS_EDITS => Ok(None),
        Err(e) => Err(e.context(format!(
            "cannot use the existing {}: fix the edit or delete the file",
            wd.path(<S::Output as Artifact>::FILE).display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{Segmentation, FORMAT_VERSION};
    use std::cell::{Cell, RefCell};

    /// A stage whose artifact is an empty segmentation made from `input`; counts its runs.
    struct Toy {
        input: &'static str,
        runs: Cell<u32>,
    }

    impl Stage for Toy {
        type Output = Segmentation;
        const NAME: &'static str = "toy";

        fn inputs(&self) -> Result<Inputs> {
            Ok(Inputs::from([("x".to_string(), self.input.to_string())]))
        }

        fn run(&self, ctx: Ctx<'_, Segmentation>) -> Result<Made<Segmentation>> {
            self.runs.set(self.runs.get() + 1);
            let out = Segmentation { version: FORMAT_VERSION, inputs: Inputs::new(), items: vec![], other: vec![] };
            Ok(Made::new(out).then(Note::Info(format!("previous: {}", ctx.previous.is_some()))))
        }
    }

    /// [`Toy`] whose artifact holds the secretary's edits.
    struct Edited(Toy);

    impl Stage for Edited {
        type Output = Segmentation;
        const NAME: &'static str = "edited";
        const KEEPS_EDITS: bool = true;
        fn inputs(&self) -> Result<Inputs> {
            self.0.inputs()
        }
        fn run(&self, ctx: Ctx<'_, Segmentation>) -> Result<Made<Segmentation>> {
            self.0.run(ctx)
        }
    }

    fn toy(input: &'static str) -> Toy {
        Toy { input, runs: Cell::new(0) }
    }

    /// Notes, each with whether the artifact was on disk when it came.
    struct Seen<'a>(&'a WorkDir, RefCell<Vec<(Note, bool)>>);

    impl Report for Seen<'_> {
        fn note(&self, _: &str, note: Note) {
            self.1.borrow_mut().push((note, self.0.path("segments.json").exists()));
        }
    }

    #[test]
    fn a_stage_runs_once_until_its_inputs_change_or_it_is_forced() {
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::create(dir.path()).unwrap();
        let seen = Seen(&wd, RefCell::new(Vec::new()));
        let a = toy("a");
        let out = run_stage(&wd, &a, false, &seen).unwrap();
        assert_eq!(out.inputs["x"], "a", "the runner records the inputs");
        assert_eq!(wd.load_opt::<Segmentation>().unwrap(), Some(out.clone()));
        // The stage's own notes come once its artifact is written.
        assert_eq!(seen.1.take(), [(Note::Info("previous: false".into()), true)]);

        assert_eq!(run_stage(&wd, &a, false, &seen).unwrap(), out);
        assert_eq!(a.runs.get(), 1);
        assert_eq!(seen.1.take(), [(Note::UpToDate(wd.path("segments.json")), true)]);

        // Forced: made again, and the old artifact is not handed over (nothing to keep).
        run_stage(&wd, &a, true, &seen).unwrap();
        assert_eq!(a.runs.get(), 2);
        assert_eq!(seen.1.take(), [(Note::Info("previous: false".into()), true)]);

        // Other inputs: made again, from the old artifact.
        let b = toy("b");
        assert_eq!(run_stage(&wd, &b, false, &seen).unwrap().inputs["x"], "b");
        assert_eq!(seen.1.take(), [(Note::Info("previous: true".into()), true)]);

        // A damaged artifact is simply made again.
        std::fs::write(wd.path("segments.json"), "{").unwrap();
        run_stage(&wd, &b, false, &seen).unwrap();
        assert_eq!(b.runs.get(), 2);
        assert_eq!(seen.1.take(), [(Note::Info("previous: false".into()), true)]);
    }

    #[test]
    fn an_artifact_with_edits_is_handed_over_and_never_replaced_unread() {
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::create(dir.path()).unwrap();
        let notes = RefCell::new(Vec::new());
        let e = Edited(toy("a"));
        run_stage(&wd, &e, false, &notes).unwrap();
        // Forced, the stage still gets the old artifact, to keep the edits in it.
        run_stage(&wd, &e, true, &notes).unwrap();
        assert_eq!(notes.take()[1], ("edited".to_string(), Note::Info("previous: true".into())));
        std::fs::write(wd.path("segments.json"), "{").unwrap();
        for force in [false, true] {
            let err = format!("{:#}", run_stage(&wd, &e, force, &notes).unwrap_err());
            assert!(err.contains("cannot use the existing") && err.contains("fix the edit or delete the file"), "{err}");
        }
        assert_eq!(e.0.runs.get(), 2);
        assert_eq!(std::fs::read_to_string(wd.path("segments.json")).unwrap(), "{", "left as it was");
    }
}
