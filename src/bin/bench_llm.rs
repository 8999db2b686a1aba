//! LLM speed benchmark (not part of the referat CLI): prompt and generation tokens/s for a
//! fixed Norwegian prompt of about 300 tokens, and the effect of reusing the system prefix.
//!
//! Usage: bench_llm [MODEL.gguf] [--threads N] [--gen N]
//! Each figure is printed on its own `key=value` line (`cold_prefill_tok_s=52.9`,
//! `cold_decode_tok_s=13.9`, `reuse_prefill_tok_s=...`, `reuse_decode_tok_s=...`) for scripts.
//! Default model: $REFERAT_MODELS_DIR/qwen2.5-coder-1.5b-instruct/model.gguf (or ./models/...).

use anyhow::{Context, Result};
use referat::llm::{self, ChatMessage, GenParams, Llm};
use std::path::PathBuf;

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
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = Some(args.next().context("--threads N")?.parse()?),
            "--gen" => gen = args.next().context("--gen N")?.parse()?,
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

    m.reuse_prefix = false;
    let c = m.complete(&msgs, "- ", &p)?;
    report("cold", &c);

    m.reuse_prefix = true;
    let _ = m.complete(&msgs, "- ", &GenParams { max_tokens: 1, ..p.clone() })?;
    let other = [ChatMessage::system(SYSTEM), ChatMessage::user(USER.replace("14 millioner", "12 millioner"))];
    let c = m.complete(&other, "- ", &p)?;
    report("reuse", &c);
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
