//! Drafting stage: transcript + segments + meeting file → `draft.json`.
//!
//! Per sak: split the transcript into speaker turns and classify them by rules ([`turns`]),
//! rewrite each point of each member turn into one bullet with the model and check it, with
//! an extractive fallback ([`innspill`]), detect aksjonspunkter ([`aksjon`]), derive the vedtak
//! from the forslag and the chair's summing-up ([`vedtak`]) and write the opening paragraph
//! ([`intro`]). Every line carries its source spans and the flags of [`check`].

pub mod aksjon;
pub mod check;
mod common;
pub mod innspill;
pub mod intro;
pub mod turns;
pub mod vedtak;

use crate::artifact::{Artifact, Draft, DraftItem, FlagKind, Inputs, ItemStatus, Line, Origin, Segmentation, Transcript, FORMAT_VERSION};
use crate::llm::{Completion, Llm};
use crate::meeting::{Item, Meeting};
use crate::progress::{Note, Progress};
use crate::stage::{Ctx, Made, Stage};
use crate::workdir::{self, Hashed, WorkDir};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use turns::{TurnKind, TurnRole};

// ---------------------------------------------------------------- prompts

/// The bundled prompts, compiled in so the binary works from any folder.
const BUNDLED: &[(&str, &str)] = &[
    ("system", include_str!("../../prompts/system.txt")),
    ("innspill", include_str!("../../prompts/innspill.txt")),
    ("innspill.svar", include_str!("../../prompts/innspill.svar.txt")),
    ("intro", include_str!("../../prompts/intro.txt")),
    ("intro.svar", include_str!("../../prompts/intro.svar.txt")),
];

/// Prompt texts by name ("innspill", "intro.svar", ...), with `{slot}` placeholders.
#[derive(Debug, Clone)]
pub struct Prompts {
    texts: BTreeMap<String, String>,
}

impl Prompts {
    pub fn bundled() -> Prompts {
        Prompts { texts: BUNDLED.iter().map(|(k, v)| (k.to_string(), strip_newline(v))).collect() }
    }

    /// The bundled prompts, each replaced by `<dir>/<name>.txt` where that file exists.
    pub fn load(dir: Option<&Path>) -> Result<Prompts> {
        let mut p = Prompts::bundled();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                bail!(
                    "prompt folder {} does not exist: pass a folder holding files such as innspill.txt (see prompts/README.md)",
                    dir.display()
                );
            }
            for (name, text) in p.texts.iter_mut() {
                let f = dir.join(format!("{name}.txt"));
                if f.exists() {
                    *text =
                        strip_newline(&std::fs::read_to_string(&f).with_context(|| format!("cannot read prompt file {}", f.display()))?);
                }
            }
        }
        Ok(p)
    }

    /// The prompt `name` with its `{slot}`s filled.
    pub fn fill(&self, name: &str, slots: &[(&str, &str)]) -> String {
        let mut t = self.texts.get(name).cloned().unwrap_or_default();
        for (k, v) in slots {
            t = t.replace(&format!("{{{k}}}"), v);
        }
        t
    }

    /// sha256 over all prompt texts, for the stage's freshness check.
    pub fn hash(&self) -> String {
        let all: String = self.texts.iter().map(|(k, v)| format!("{k}\u{0}{v}\u{0}")).collect();
        workdir::sha256_bytes(all.as_bytes())
    }
}

fn strip_newline(s: &str) -> String {
    s.strip_suffix('\n').unwrap_or(s).to_string()
}

// ---------------------------------------------------------------- statistics

/// What the run cost and how often the model's lines were kept.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub calls: usize,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prompt_secs: f64,
    pub gen_secs: f64,
    pub model_lines: usize,
    pub extractive_lines: usize,
    pub intro_model: usize,
    pub intro_rejected: usize,
    /// Model lines that failed the check, with the reasons (for the run report).
    pub rejected: Vec<String>,
    /// Seconds per sak, in meeting order.
    pub per_item: Vec<(String, f64)>,
    /// How the speech's language was handled, when it was not plain Bokmål.
    pub speech: Option<String>,
}

impl Stats {
    pub fn add(&mut self, c: &Completion) {
        self.calls += 1;
        self.prompt_tokens += c.prompt_tokens;
        self.generated_tokens += c.generated_tokens;
        self.prompt_secs += c.prompt_secs;
        self.gen_secs += c.gen_secs;
    }

    pub fn summary(&self) -> String {
        let tps = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
        let total = self.model_lines + self.extractive_lines;
        let per: Vec<String> = self.per_item.iter().map(|(s, t)| format!("{s} {t:.1}s")).collect();
        let speech = self.speech.as_ref().map(|s| format!("{s}; ")).unwrap_or_default();
        format!(
            "{speech}{} model calls; prompt {} tokens ({:.1} tok/s), generated {} tokens ({:.1} tok/s); innspill from the model {}/{} ({:.0} %), extractive {}; intro sentences kept {}/{}; per sak: {}",
            self.calls,
            self.prompt_tokens,
            tps(self.prompt_tokens, self.prompt_secs),
            self.generated_tokens,
            tps(self.generated_tokens, self.gen_secs),
            self.model_lines,
            total,
            if total > 0 { 100.0 * self.model_lines as f64 / total as f64 } else { 0.0 },
            self.extractive_lines,
            self.intro_model,
            self.intro_model + self.intro_rejected,
            per.join(", ")
        )
    }
}

// ---------------------------------------------------------------- drafting

/// Model tasks run together per call of the model (the batch refills from them as tasks
/// finish); the progress bar advances after each such call.
const PREFETCH_CHUNK: usize = 24;

/// [`draft_with_stats`] with the model's tasks of every sak decoded together, so that batched
/// decoding keeps its batch full (a sak alone often has one or two tasks): a first pass with no
/// answers collects the tasks (which do not depend on the answers), the model runs them, and
/// the second pass drafts with its answers. The draft is the same as task by task (greedy
/// batched decoding gives each task the text it gets alone).
pub fn draft_prefetched(
    meeting: &Meeting,
    transcript: &Transcript,
    seg: &Segmentation,
    llm: &mut dyn Llm,
    prompts: &Prompts,
    progress: &dyn Progress,
    dump_turns: bool,
) -> Result<(Draft, Stats)> {
    // Nynorsk speech carried into Bokmål once, for both passes.
    let mut stats = Stats::default();
    let in_bokmal = speech_in_bokmal(meeting, transcript, &mut stats);
    let transcript = in_bokmal.as_ref().unwrap_or(transcript);
    let mut recorder = crate::llm::Recorder::default();
    draft_in_bokmal(meeting, transcript, seg, &mut recorder, prompts, &crate::progress::Silent, false, Stats::default())?;
    let mut model = crate::llm::Prefetched::new(llm);
    let tasks = model.unanswered(recorder.requests);
    progress.set_length(tasks.len() as u64);
    progress.set_message("model tasks".into());
    for chunk in tasks.chunks(PREFETCH_CHUNK) {
        let answers = model.model().complete_batch(chunk)?;
        model.add(chunk.iter().cloned().zip(answers));
        progress.inc(chunk.len() as u64);
    }
    progress.set_position(0);
    draft_in_bokmal(meeting, transcript, seg, &mut model, prompts, progress, dump_turns, stats)
}

/// Draft every item of the meeting. `progress` advances by one per member turn and per item.
pub fn draft(
    meeting: &Meeting,
    transcript: &Transcript,
    seg: &Segmentation,
    llm: &mut dyn Llm,
    prompts: &Prompts,
    progress: &dyn Progress,
) -> Result<Draft> {
    Ok(draft_with_stats(meeting, transcript, seg, llm, prompts, progress, false)?.0)
}

/// A joint group: the items discussed together, in meeting order.
fn group_of(seg: &Segmentation, saksnr: &str) -> Vec<String> {
    let Some(me) = seg.items.iter().find(|i| i.saksnr == saksnr) else {
        return vec![saksnr.to_string()];
    };
    let mut g: Vec<String> = seg
        .items
        .iter()
        .filter(|i| i.saksnr == saksnr || me.joint_with.contains(&i.saksnr) || i.joint_with.iter().any(|j| j == saksnr))
        .map(|i| i.saksnr.clone())
        .collect();
    if g.is_empty() {
        g.push(saksnr.to_string());
    }
    g
}

/// The turns of each discussed group (joint items share their spans), keyed by the group's
/// first saksnr; `dump` prints them on stderr (a debug aid).
fn turns_per_group(
    meeting: &Meeting,
    transcript: &Transcript,
    seg: &Segmentation,
    dump: bool,
) -> Result<BTreeMap<String, Vec<turns::Turn>>> {
    let mut group_turns: BTreeMap<String, Vec<turns::Turn>> = BTreeMap::new();
    let chair = turns::chair_speaker(meeting, transcript, seg);
    for si in &seg.items {
        if si.status == ItemStatus::NotDiscussed || si.spans.is_empty() {
            continue;
        }
        let group = group_of(seg, &si.saksnr);
        let key = group[0].clone();
        if group_turns.contains_key(&key) {
            continue;
        }
        let Some(item) = meeting.item(&si.saksnr) else {
            bail!("segments.json has item {} that the meeting file does not: rerun `referat segment --force`", si.saksnr);
        };
        // Roles within a joint group: any of the group's presenters presents.
        let mut merged = item.clone();
        merged.presenters = group.iter().filter_map(|s| meeting.item(s)).flat_map(|i| i.presenters.clone()).collect();
        let ts = turns::split_turns(transcript, &si.spans, meeting, &merged, chair.as_deref());
        if dump {
            for t in &ts {
                eprintln!(
                    "[{}] {:?}/{:?}{} {:?} {:?}: {}",
                    key,
                    t.role,
                    t.kind,
                    if t.presenting { "/presenting" } else { "" },
                    t.span,
                    t.speaker,
                    t.text()
                );
            }
        }
        group_turns.insert(key, ts);
    }
    Ok(group_turns)
}

/// [`draft`] that also returns the run's statistics; `dump_turns` prints each sak's turns on
/// stderr (a debug aid).
pub fn draft_with_stats(
    meeting: &Meeting,
    transcript: &Transcript,
    seg: &Segmentation,
    llm: &mut dyn Llm,
    prompts: &Prompts,
    progress: &dyn Progress,
    dump_turns: bool,
) -> Result<(Draft, Stats)> {
    let mut stats = Stats::default();
    let in_bokmal = speech_in_bokmal(meeting, transcript, &mut stats);
    draft_in_bokmal(meeting, in_bokmal.as_ref().unwrap_or(transcript), seg, llm, prompts, progress, dump_turns, stats)
}

/// [`draft_with_stats`] on speech in Bokmål (the Nynorsk carried over already), adding to `stats`.
#[allow(clippy::too_many_arguments)]
fn draft_in_bokmal(
    meeting: &Meeting,
    transcript: &Transcript,
    seg: &Segmentation,
    llm: &mut dyn Llm,
    prompts: &Prompts,
    progress: &dyn Progress,
    dump_turns: bool,
    mut stats: Stats,
) -> Result<(Draft, Stats)> {
    // Turns per group, computed up front so the progress bar knows its length.
    let group_turns = turns_per_group(meeting, transcript, seg, dump_turns)?;
    let work: usize =
        group_turns.values().flat_map(|ts| ts.iter()).filter(|t| t.kind == TurnKind::Substantive && t.role == TurnRole::Member).count();
    progress.set_length((work + seg.items.len()) as u64);

    let order_change = vedtak::order_change(meeting, seg);
    let mut items = Vec::new();
    // Items in the segmentation's (meeting) order; items the segmentation lacks are not discussed.
    let mut order: Vec<&Item> = seg.items.iter().filter_map(|si| meeting.item(&si.saksnr)).collect();
    for it in &meeting.items {
        if !order.iter().any(|o| o.saksnr == it.saksnr) {
            order.push(it);
        }
    }
    for item in order {
        let t0 = Instant::now();
        // Answers computed ahead: the sak's share of the model's time is their recorded time.
        let ahead = llm.answers_ahead().then_some(stats.prompt_secs + stats.gen_secs);
        progress.set_message(item.saksnr.clone());
        let si = seg.items.iter().find(|s| s.saksnr == item.saksnr);
        let discussed = si.is_some_and(|s| s.status == ItemStatus::Discussed && !s.spans.is_empty());
        if !discussed {
            let mut nd = not_discussed(item);
            if let Some(v) = vedtak::postponed_elsewhere(meeting, item, transcript) {
                nd.vedtak = v;
            }
            items.push(nd);
            progress.inc(1);
            continue;
        }
        let group = group_of(seg, &item.saksnr);
        let all_turns = group_turns.get(&group[0]).map(Vec::as_slice).unwrap_or(&[]);
        let tagged = all_turns.iter().any(|t| t.speaker.is_some());
        let is_last = group.last().map(String::as_str) == Some(item.saksnr.as_str());

        let member_turns: Vec<&turns::Turn> =
            all_turns.iter().filter(|t| t.kind == TurnKind::Substantive && t.role == TurnRole::Member).collect();
        // The presentation of this item: in a joint group, what this item's own presenters said
        // (by speaker tag); otherwise, and when they said nothing, the whole presentation for
        // the group's first item.
        let presentation: Vec<&turns::Turn> = all_turns.iter().filter(|t| t.role == TurnRole::Presenter && t.presenting).collect();
        let own: Vec<&turns::Turn> = presentation
            .iter()
            .copied()
            .filter(|t| t.speaker.as_deref().is_some_and(|sp| item.presenters.iter().any(|p| turns::speaker_is(sp, &p.name))))
            .collect();
        let presenter_turns: Vec<&turns::Turn> = if group.len() > 1 && tagged && !own.is_empty() {
            own
        } else if group[0] == item.saksnr || group.len() == 1 {
            presentation
        } else {
            Vec::new()
        };
        let summing_up: Vec<&turns::Turn> = all_turns.iter().filter(|t| t.kind == TurnKind::SummingUp).collect();

        let innspill = if is_last {
            let mut tick = || progress.inc(1);
            innspill::draft_innspill(&member_turns, &transcript.segments, meeting, item, llm, prompts, &mut stats, &mut tick)?
        } else {
            Vec::new()
        };

        // Aksjonspunkter of a joint group go to the item whose presenter committed, else the last.
        let all_refs: Vec<&turns::Turn> = all_turns.iter().collect();
        let aksjonspunkter: Vec<Line> = aksjon::draft_aksjon(&all_refs, meeting, item)
            .into_iter()
            .filter(|l| {
                if group.len() == 1 {
                    return true;
                }
                let owner = all_turns
                    .iter()
                    .find(|t| t.span == l.source[0])
                    .and_then(|t| t.speaker.as_ref())
                    .and_then(|sp| {
                        group.iter().find(|s| meeting.item(s).is_some_and(|i| i.presenters.iter().any(|p| turns::speaker_is(sp, &p.name))))
                    })
                    .cloned();
                owner.as_deref().unwrap_or(group.last().map(String::as_str).unwrap_or("")) == item.saksnr
            })
            .collect();

        // Heard clearly: few of the summing-up's content words unclear.
        let (unclear, words) = summing_up.iter().fold((0.0f64, 0usize), |(u, n), t| {
            let c = crate::transcribe::lexicon::clarity(&transcript.segments, t.span);
            (u + f64::from(c.score) * c.words as f64, n + c.words)
        });
        let clearly = words == 0 || unclear / words as f64 <= crate::text::threshold("summing_up.unclear_share");
        let facts = vedtak::Facts { clearly, order_change: order_change.clone() };
        let vedtak = vedtak::draft_vedtak_in(meeting, item, &summing_up, &group, &all_refs, &facts);
        let mut intro = intro::draft_intro(meeting, item, &presenter_turns, !member_turns.is_empty(), llm, prompts, &mut stats)?;
        if let Some(r) = intro.rejected.take() {
            stats.rejected.push(format!("(intro {}) {}", item.saksnr, r));
        }
        let mut intro_text = intro.text;
        if group.len() > 1 {
            let others: Vec<&str> = group.iter().filter(|s| **s != item.saksnr).map(String::as_str).collect();
            intro_text = format!("{intro_text} Det ble en felles drøfting av denne saken med sak {}.", others.join(" og "));
        }
        items.push(DraftItem {
            saksnr: item.saksnr.clone(),
            intro: intro_text,
            innspill,
            aksjonspunkter,
            vedtak,
            joint_with: group.iter().filter(|s| **s != item.saksnr).cloned().collect(),
            status: ItemStatus::Discussed,
        });
        progress.inc(1);
        let model_secs = ahead.map_or(0.0, |before| stats.prompt_secs + stats.gen_secs - before);
        stats.per_item.push((item.saksnr.clone(), t0.elapsed().as_secs_f64() + model_secs));
    }
    progress.finish();
    let draft = Draft { version: FORMAT_VERSION, inputs: Inputs::new(), model: llm.name(), items };
    Ok((draft, stats))
}

fn not_discussed(item: &Item) -> DraftItem {
    DraftItem {
        saksnr: item.saksnr.clone(),
        intro: "Saken ble ikke behandlet i møtet.".into(),
        innspill: vec![],
        aksjonspunkter: vec![],
        vedtak: Line {
            text: String::new(),
            source: vec![],
            flags: vec![check::flag(FlagKind::Uncertain, "Saken ble ikke funnet i opptaket; sjekk om den ble behandlet.")],
            origin: Origin::Template,
        },
        joint_with: vec![],
        status: ItemStatus::NotDiscussed,
    }
}

// ---------------------------------------------------------------- stage

/// Model and prompt choices for the stage (command-line flags; the meeting file's
/// `[models]` fills in what is not given).
#[derive(Debug, Clone, Default)]
pub struct DraftOptions {
    pub llm_model: Option<PathBuf>,
    pub tokenizer: Option<PathBuf>,
    pub prompts: Option<PathBuf>,
    pub threads: Option<usize>,
    /// Draft without a language model (rules and the speakers' own words only).
    pub rules_only: bool,
    /// The model's batch size and prompt-lookup length, overriding the defaults (greedy
    /// output is the same whatever they are: a benchmark compares the speed).
    pub decoding: Option<(usize, usize)>,
    /// Print each sak's turns on stderr (a debug aid).
    pub dump_turns: bool,
}

impl DraftOptions {
    /// The prompts: the `--prompts` folder, else the meeting file's, else the bundled ones.
    pub fn prompts(&self, meeting: &Meeting) -> Result<Prompts> {
        let dir = self.prompts.clone().or_else(|| meeting.models.prompts.as_ref().map(PathBuf::from));
        Prompts::load(dir.as_deref())
    }

    /// The language model's files, `None` when drafting with the rules only.
    pub fn llm_files(&self, meeting: &Meeting) -> Result<Option<crate::models::LlmFiles>> {
        if self.rules_only {
            return Ok(None);
        }
        Ok(Some(crate::models::llm_files(self.llm_model.as_deref(), self.tokenizer.as_deref(), Some(meeting))?))
    }

    /// The language model of [`DraftOptions::llm_files`] loaded, or the rules.
    pub fn load_llm(&self, files: Option<&crate::models::LlmFiles>) -> Result<Box<dyn Llm>> {
        match files {
            None => Ok(Box::new(crate::llm::RulesOnly)),
            Some(f) => {
                let mut llm = crate::llm::load(&f.gguf, f.tokenizer.as_deref(), self.threads)?;
                if let Some((batch, lookahead)) = self.decoding {
                    llm.batch_size = batch;
                    llm.lookahead = lookahead;
                }
                Ok(Box::new(llm))
            }
        }
    }
}

/// The draft stage: the transcript and its segmentation into `draft.json`, the model loaded
/// once for every item.
pub struct DraftStage<'a> {
    pub meeting_path: &'a Path,
    pub meeting: &'a Meeting,
    pub transcript: Hashed<Transcript>,
    pub segments: Hashed<Segmentation>,
    pub opts: &'a DraftOptions,
    prompts: Prompts,
    files: Option<crate::models::LlmFiles>,
}

impl<'a> DraftStage<'a> {
    /// The stage over the work dir's transcript and segmentation, with the model and prompts
    /// of `opts` (an error names what is missing).
    pub fn new(meeting_path: &'a Path, meeting: &'a Meeting, wd: &WorkDir, opts: &'a DraftOptions) -> Result<DraftStage<'a>> {
        let transcript = wd.load_hashed("referat transcribe")?;
        let segments = wd.load_hashed("referat segment")?;
        let prompts = opts.prompts(meeting)?;
        let files = opts.llm_files(meeting)?;
        Ok(DraftStage { meeting_path, meeting, transcript, segments, opts, prompts, files })
    }
}

impl Stage for DraftStage<'_> {
    type Output = Draft;
    const NAME: &'static str = "draft";

    fn inputs(&self) -> Result<Inputs> {
        let mut inputs = Inputs::new();
        inputs.insert("meeting".into(), workdir::sha256_file(self.meeting_path)?);
        inputs.insert("transcript".into(), self.transcript.sha256.clone());
        inputs.insert("segments".into(), self.segments.sha256.clone());
        let model_id = match &self.files {
            None => "rules-only".to_string(),
            Some(f) => {
                let mut id = workdir::file_fingerprint(&f.gguf)?;
                if let Some(t) = &f.tokenizer {
                    id = workdir::sha256_bytes(format!("{id}|{}", workdir::file_fingerprint(t)?).as_bytes());
                }
                id
            }
        };
        inputs.insert("model".into(), model_id);
        inputs.insert("prompts".into(), self.prompts.hash());
        // The template's wording is in the draft (intro, standard vedtak): an edit redoes it.
        if let Some(t) = &self.meeting.template {
            inputs.insert("template".into(), workdir::sha256_file(Path::new(t))?);
        }
        Ok(inputs)
    }

    fn run(&self, ctx: Ctx<'_, Draft>) -> Result<Made<Draft>> {
        if let Some(f) = &self.files {
            ctx.report.note(Self::NAME, Note::Info(format!("loading {}", f.gguf.display())));
        }
        let mut llm = self.opts.load_llm(self.files.as_ref())?;
        let pb = ctx.report.bar("draft", 0, "steps");
        let t0 = Instant::now();
        let (transcript, seg) = (&self.transcript.artifact, &self.segments.artifact);
        let (draft, stats) = if self.files.is_some() { draft_prefetched } else { draft_with_stats }(
            self.meeting,
            transcript,
            seg,
            llm.as_mut(),
            &self.prompts,
            pb.as_ref(),
            self.opts.dump_turns,
        )?;
        let wrote = format!("wrote {} in {:.0} s; {}", ctx.wd.path(Draft::FILE).display(), t0.elapsed().as_secs_f64(), stats.summary());
        Ok(Made::new(draft).then(Note::Info(wrote)))
    }
}

/// Nynorsk speech in Bokmål for the drafting rules, which are written for Bokmål: the
/// transcript's text carried over by Apertium when enough of its words are Nynorsk only. Spans
/// and words stay, so every line still cites the recording; a Nynorsk referat is carried back
/// at export. None when the speech is Bokmål, or when Apertium is missing (the rules then read
/// the Nynorsk as it is, and the run says so).
fn speech_in_bokmal(meeting: &Meeting, transcript: &Transcript, stats: &mut Stats) -> Option<Transcript> {
    let share = crate::text::nynorsk_share(transcript.segments.iter().map(|s| s.text.as_str()));
    if share < crate::text::threshold("speech.nynorsk_share") {
        return None;
    }
    use crate::text::apertium::{names_of, translate_lines, Direction};
    let texts: Vec<String> = transcript.segments.iter().map(|s| s.text.clone()).collect();
    // Number words pass as said (Apertium can take "åtte" for a verb).
    let mut keep = names_of(meeting);
    keep.extend((0..100).flat_map(|n| crate::text::number_forms(n).iter().cloned()));
    keep.extend(crate::text::rules().apertium_keep.iter().cloned());
    match translate_lines(&texts, &keep, Direction::ToBokmal) {
        Ok(done) => {
            stats.speech = Some(format!("Nynorsk speech ({:.0} % Nynorsk-only words) drafted through Bokmål", share * 100.0));
            let mut t = transcript.clone();
            for (s, d) in t.segments.iter_mut().zip(done) {
                // what Apertium leaves in Nynorsk, or carries over as the council does not say it
                s.text = crate::text::with_bokmal_words(&d);
            }
            Some(t)
        }
        Err(e) => {
            stats.speech = Some(format!("Nynorsk speech read as it is ({e:#})"));
            None
        }
    }
}

/// Load the language model (behind the [`Llm`] seam).
pub fn load_llm(gguf: &Path, tokenizer: Option<&Path>, threads: Option<usize>) -> Result<Box<dyn Llm>> {
    Ok(Box::new(crate::llm::load(gguf, tokenizer, threads)?))
}
