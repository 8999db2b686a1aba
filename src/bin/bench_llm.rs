//! LLM speed benchmark (not part of the referat CLI): prompt and generation tokens/s for a
//! fixed Norwegian prompt of about 300 tokens, and the effect of reusing the system prefix;
//! with `--tasks N`, N drafting tasks (a member's turn from samples/*/truth.json rewritten into
//! one bullet with prompts/innspill.txt, as the drafting stage asks) run one token per pass
//! (the reference loop) and then batched and with prompt-lookup speculation, each
//! configuration checked to give the reference's text for every task.
//!
//! Usage: bench_llm [MODEL.gguf] [--threads N] [--gen N] [--tasks N] [--configs B:L,B:L,...]
//! (B sequences per batch, L tokens of lookahead; default 1:0,2:0,4:0,8:0,1:6,4:6)
//! Each figure is printed on its own `key=value` line (`cold_prefill_tok_s=52.9`,
//! `cold_decode_tok_s=13.9`, `reuse_prefill_tok_s=...`, `b4_l6_decode_tok_s=...`) for scripts.
//! Default model: $REFERAT_MODELS_DIR/qwen2.5-coder-1.5b-instruct/model.gguf (or ./models/...).

use anyhow::{Context, Result};
use referat::llm::{self, ChatMessage, Completion, GenParams, Llm, Request};
use std::path::{Path, PathBuf};
use std::time::Instant;

const SYSTEM: &str = "Du er sekretær for et kommunalt utvalg og skriver referat på norsk bokmål. \
Skriv nøytralt og kort, i presens, uten navn på den som snakket. Hvert innspill skal være én \
setning som gjengir ett poeng fra diskusjonen. Ikke finn på noe som ikke står i utdraget, og ikke \
gjenta spørsmålet. Bruk vanlige forkortelser som kr, mill. og pst. der det passer. Tall og navn \
skal stå nøyaktig slik de står i utdraget.";

const USER: &str = "Utdrag fra møtet, sak 23/25 Økonomirapport 1. tertial 2025:\n\
Ja, takk for ordet. Jeg synes rapporten viser at vi har et merforbruk innen helse og omsorg på \
rundt 14 millioner kroner, og det bekymrer meg. Vi vet at det er flere brukere med store behov, \
men jeg savner en plan for hvordan vi skal dekke dette inn før årsskiftet. Kommunedirektøren sa \
at det skal komme en sak i september, men jeg mener utvalget bør få en orientering allerede i \
neste møte, slik at vi kan følge med. Og så vil jeg også si at investeringene i skolebygg ser ut \
til å gå etter planen, det er positivt. Men renteutgiftene er høyere enn budsjettert, og det må vi \
ta med oss inn i budsjettarbeidet for neste år.\n\
Skriv innspillene som punktliste.";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut model: Option<PathBuf> = None;
    let mut threads = None;
    let mut gen = 64usize;
    let mut tasks = 0usize;
    let mut configs = vec![(1, 0), (2, 0), (4, 0), (8, 0), (1, 6), (4, 6)];
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = Some(args.next().context("--threads N")?.parse()?),
            "--gen" => gen = args.next().context("--gen N")?.parse()?,
            "--tasks" => tasks = args.next().context("--tasks N")?.parse()?,
            "--configs" => {
                configs = args
                    .next()
                    .context("--configs B:L,...")?
                    .split(',')
                    .map(|c| {
                        let (b, l) = c.split_once(':').context("--configs B:L,... (batch:lookahead)")?;
                        Ok((b.parse()?, l.parse()?))
                    })
                    .collect::<Result<_>>()?
            }
            _ => model = Some(PathBuf::from(a)),
        }
    }
    let model = model.unwrap_or_else(|| {
        let dir = std::env::var_os("REFERAT_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"));
        dir.join("qwen2.5-coder-1.5b-instruct").join("model.gguf")
    });
    let t = std::time::Instant::now();
    let mut m = llm::load(&model, None, threads)?;
    println!("model={}", m.name());
    println!("arch={}", m.arch().as_str());
    println!("load_s={:.1}", t.elapsed().as_secs_f64());
    println!("threads={}", candle_core::utils::get_num_threads());

    let msgs = [ChatMessage::system(SYSTEM), ChatMessage::user(USER)];
    let p = GenParams { max_tokens: gen, ..GenParams::default() };

    // The reference loop (one token per pass), as llama.cpp's figures are; the best of two
    // runs for prompt and for decode, as bench/llamacpp_compare.py takes llama.cpp's.
    m.reuse_prefix = false;
    let a = m.complete_stepwise(&msgs, "- ", &p)?;
    let b = m.complete_stepwise(&msgs, "- ", &p)?;
    let prompt_secs = a.prompt_secs.min(b.prompt_secs);
    let mut c = if a.gen_secs <= b.gen_secs { a } else { b };
    c.prompt_secs = prompt_secs;
    report("cold", &c);

    m.reuse_prefix = true;
    let _ = m.complete_stepwise(&msgs, "- ", &GenParams { max_tokens: 1, ..p.clone() })?;
    let other = [ChatMessage::system(SYSTEM), ChatMessage::user(USER.replace("14 millioner", "12 millioner"))];
    let c = m.complete_stepwise(&other, "- ", &p)?;
    report("reuse", &c);
    if tasks > 0 {
        drafting_tasks(&mut m, tasks, &configs)?;
    }
    Ok(())
}

/// Up to `n` innspill tasks: member turns (not the chair's, eight words or more) of the sample
/// meetings, taken from each meeting in turn so that the saker vary.
fn innspill_tasks(root: &Path, n: usize) -> Result<Vec<Request>> {
    let prompt = |name: &str| -> Result<String> {
        let p = root.join("prompts").join(format!("{name}.txt"));
        Ok(std::fs::read_to_string(&p).with_context(|| format!("{}", p.display()))?.trim_end_matches('\n').to_string())
    };
    let (system, user, svar) = (prompt("system")?, prompt("innspill")?, prompt("innspill.svar")?);
    let mut per_meeting: Vec<Vec<Request>> = Vec::new();
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root.join("samples"))?.flatten().map(|e| e.path()).filter(|p| p.join("truth.json").exists()).collect();
    dirs.sort();
    for dir in dirs {
        let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json"))?)?;
        let meeting: toml::Value = toml::from_str(&std::fs::read_to_string(dir.join("meeting.toml"))?)?;
        let council = meeting["council"].as_str().unwrap_or_default();
        let titles: Vec<(String, String)> = meeting["items"]
            .as_array()
            .map(|a| {
                a.iter().map(|i| (i["saksnr"].as_str().unwrap_or("").to_string(), i["title"].as_str().unwrap_or("").to_string())).collect()
            })
            .unwrap_or_default();
        let chair = truth["chair"].as_str().unwrap_or_default();
        let mut reqs = Vec::new();
        for u in truth["utterances"].as_array().into_iter().flatten() {
            let (Some(item), Some(text), Some(speaker)) = (u["item"].as_str(), u["text"].as_str(), u["speaker"].as_str()) else { continue };
            if speaker == chair || text.split_whitespace().count() < 8 {
                continue;
            }
            let title = titles.iter().find(|(s, _)| s == item).map(|(_, t)| t.as_str()).unwrap_or("");
            let tur: String = text.split_whitespace().take(220).collect::<Vec<_>>().join(" ");
            let user = user
                .replace("{council}", council)
                .replace("{saksnr}", item)
                .replace("{tittel}", title)
                .replace("{sakstype}", "")
                .replace("{tur}", &tur);
            let params = GenParams { max_tokens: 80, stop: vec!["\n".into()], ..GenParams::default() };
            reqs.push(Request::new(
                vec![ChatMessage::system(system.replace("{council}", council)), ChatMessage::user(user)],
                svar.clone(),
                params,
            ));
        }
        per_meeting.push(reqs);
    }
    let mut out = Vec::new();
    for i in 0.. {
        let before = out.len();
        for reqs in &per_meeting {
            if out.len() < n {
                if let Some(r) = reqs.get(i) {
                    out.push(r.clone());
                }
            }
        }
        if out.len() == before || out.len() >= n {
            break;
        }
    }
    Ok(out)
}

/// The tasks one token per pass (today's loop), then under each (batch, lookahead): time,
/// tokens/s, speculation's acceptance, and whether every text equals the reference's.
fn drafting_tasks(m: &mut llm::GgufLlm, n: usize, configs: &[(usize, usize)]) -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let reqs = innspill_tasks(&root, n)?;
    println!("tasks={}", reqs.len());
    // Every system prefix read once before timing, as in a drafting run.
    for r in &reqs {
        m.complete_stepwise(&r.messages, &r.prefill, &GenParams { max_tokens: 1, ..r.params.clone() })?;
    }
    let (t, c0) = (Instant::now(), cpu_secs());
    let reference: Vec<Completion> = reqs.iter().map(|r| m.complete_stepwise(&r.messages, &r.prefill, &r.params)).collect::<Result<_>>()?;
    let ref_s = t.elapsed().as_secs_f64();
    let ref_cpu = cpu_secs() - c0;
    let sum = |cs: &[Completion], f: fn(&Completion) -> f64| cs.iter().map(f).sum::<f64>();
    let ref_gen = sum(&reference, |c| c.generated_tokens as f64);
    let ref_decode = sum(&reference, |c| c.gen_secs);
    println!("tasks_prompt_tokens={}", sum(&reference, |c| c.prompt_tokens as f64));
    println!("stepwise_total_s={ref_s:.2}");
    println!("stepwise_cpu_s={ref_cpu:.2}");
    println!("stepwise_prefill_s={:.2}", sum(&reference, |c| c.prompt_secs));
    println!("stepwise_gen_tokens={ref_gen}");
    println!("stepwise_decode_s={ref_decode:.2}");
    println!("stepwise_decode_tok_s={:.1}", ref_gen / ref_decode);
    for &(b, l) in configs {
        m.batch_size = b;
        m.lookahead = l;
        let (t, c0) = (Instant::now(), cpu_secs());
        let got = m.complete_batch(&reqs)?;
        let total = t.elapsed().as_secs_f64();
        let cpu = cpu_secs() - c0;
        let key = format!("b{b}_l{l}");
        let same = got.iter().zip(&reference).filter(|(g, r)| g.text == r.text && g.generated_tokens == r.generated_tokens).count();
        let decode = sum(&got, |c| c.gen_secs);
        let gen = sum(&got, |c| c.generated_tokens as f64);
        let (drafted, accepted) = (sum(&got, |c| c.drafted_tokens as f64), sum(&got, |c| c.accepted_tokens as f64));
        println!("{key}_total_s={total:.2}");
        println!("{key}_decode_s={decode:.2}");
        println!("{key}_decode_tok_s={:.1}", gen / decode);
        println!("{key}_per_seq_tok_s={:.1}", gen / decode / b.min(reqs.len()) as f64);
        println!("{key}_decode_speedup={:.2}", ref_decode / decode);
        println!("{key}_total_speedup={:.2}", ref_s / total);
        println!("{key}_cpu_s={cpu:.2}");
        // CPU time holds up better than wall time on a busy machine (with --threads 1 no
        // worker spins): the ratio of the work done.
        println!("{key}_cpu_speedup={:.2}", ref_cpu / cpu);
        println!("{key}_drafted={drafted}");
        println!("{key}_accepted={accepted}");
        println!("{key}_accept_rate={:.2}", if drafted > 0.0 { accepted / drafted } else { 0.0 });
        println!("{key}_same_text={same}/{}", reqs.len());
        for (i, (g, r)) in got.iter().zip(&reference).enumerate() {
            if g.text != r.text {
                println!("{key}_differs_{i}: {:?} vs reference {:?}", g.text, r.text);
            }
        }
    }
    Ok(())
}

/// `cold`: no prefix reuse; `reuse`: the system prefix's KV cache comes from an earlier call.
fn report(label: &str, c: &referat::llm::Completion) {
    println!("{label}_prompt_tokens={}", c.prompt_tokens);
    println!("{label}_prefill_s={:.3}", c.prompt_secs);
    println!("{label}_prefill_tok_s={:.1}", c.prompt_tokens as f64 / c.prompt_secs);
    println!("{label}_gen_tokens={}", c.generated_tokens);
    println!("{label}_decode_s={:.3}", c.gen_secs);
    println!("{label}_decode_tok_s={:.1}", c.generated_tokens as f64 / c.gen_secs.max(1e-9));
    println!("{label}_output={:?}", c.text);
}

/// CPU time of this process so far (user + system), in seconds.
fn cpu_secs() -> f64 {
    let Ok(st) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let Some(rest) = st.rfind(')').map(|i| &st[i + 2..]) else { return 0.0 };
    let f: Vec<&str> = rest.split(' ').collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}
