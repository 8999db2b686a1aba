//! Every fixed phrase of the referat, in Bokmål and Nynorsk, from one data file
//! (`phrases.toml`, compiled in). Code asks for a phrase by key and fills its `{slots}`; the
//! wording itself is data, so a change of wording or a new language form is an edit of the
//! table, not of the code.

use crate::meeting::Language;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{OnceLock, RwLock};

const TABLE: &str = include_str!("phrases.toml");

/// One phrase in both written standards.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    nb: String,
    nn: String,
}

impl Entry {
    fn get(&self, lang: Language) -> &str {
        match lang {
            Language::Nb => &self.nb,
            Language::Nn => &self.nn,
        }
    }
}

/// Key → entry, keys as dotted paths ("referat.title").
fn table() -> &'static BTreeMap<String, Entry> {
    static T: OnceLock<BTreeMap<String, Entry>> = OnceLock::new();
    T.get_or_init(|| {
        let v: toml::Table = TABLE.parse().expect("src/text/phrases.toml is valid TOML (checked by its unit test)");
        let mut out = BTreeMap::new();
        flatten("", &v, &mut out);
        out
    })
}

/// A table with string values `nb`/`nn` is a phrase; any other table is a group of keys.
fn flatten(prefix: &str, t: &toml::Table, out: &mut BTreeMap<String, Entry>) {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        let toml::Value::Table(sub) = v else {
            panic!("src/text/phrases.toml: {key} is neither a phrase {{ nb, nn }} nor a group of phrases");
        };
        if sub.values().all(|x| x.is_str()) && sub.contains_key("nb") {
            let e: Entry = toml::Value::Table(sub.clone())
                .try_into()
                .unwrap_or_else(|e| panic!("src/text/phrases.toml: phrase {key} must have exactly nb and nn: {e}"));
            out.insert(key, e);
        } else {
            flatten(&key, sub, out);
        }
    }
}

/// A secretariat's own wording: key → (nb, nn), either may be absent (the default stands).
type Template = BTreeMap<String, (Option<&'static str>, Option<&'static str>)>;

fn template() -> &'static RwLock<Template> {
    static T: OnceLock<RwLock<Template>> = OnceLock::new();
    T.get_or_init(|| RwLock::new(Template::new()))
}

/// Use the template file `path` (or, with `None`, the bundled wording only) for every phrase
/// from now on. The file has the shape of `src/text/phrases.toml`: any of its keys, each with
/// `nb`, `nn` or both; a body with other headings ("Sak", "Behandling", "Vedtak") or another
/// standard vedtak copies that file and edits what it needs. Unknown keys and slots the code
/// does not fill are refused, naming the key.
pub fn use_template(path: Option<&Path>) -> Result<()> {
    let mut t = Template::new();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the template {}: check the path", path.display()))?;
        let parsed: toml::Table = text
            .parse()
            .with_context(|| format!("template {} is not valid TOML (its shape is that of src/text/phrases.toml)", path.display()))?;
        collect_template("", &parsed, &mut t).with_context(|| format!("invalid template {}", path.display()))?;
    }
    *template().write().unwrap_or_else(|e| e.into_inner()) = t;
    Ok(())
}

fn collect_template(prefix: &str, t: &toml::Table, out: &mut Template) -> Result<()> {
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        let toml::Value::Table(sub) = v else { bail!("{key}: expected a phrase {{ nb = \"…\", nn = \"…\" }} or a group of phrases") };
        let is_phrase = sub.keys().all(|x| x == "nb" || x == "nn") && sub.values().all(|x| x.is_str());
        if !is_phrase {
            collect_template(&key, sub, out)?;
            continue;
        }
        let Some(default) = table().get(&key) else {
            bail!("{key} is not a phrase of referat: the keys are those of src/text/phrases.toml");
        };
        let mut forms = (None, None);
        for (lang, form) in [("nb", &mut forms.0), ("nn", &mut forms.1)] {
            let Some(text) = sub.get(lang).and_then(|x| x.as_str()) else { continue };
            let known = slots(&default.nb);
            if let Some(bad) = slots(text).into_iter().find(|s| !known.contains(s)) {
                bail!("{key}.{lang}: {{{bad}}} is not filled here; the phrase's slots are {known:?}");
            }
            *form = Some(&*Box::leak(text.to_string().into_boxed_str()));
        }
        out.insert(key, forms);
    }
    Ok(())
}

/// The phrase `key` in `lang`: the template's wording where it has one, else the bundled. An
/// unknown key is a bug in referat (every key the code uses is checked against the table by a
/// unit test), so it panics with the key.
pub fn phrase(lang: Language, key: &str) -> &'static str {
    let own = template().read().ok().and_then(|t| t.get(key).and_then(|(nb, nn)| if lang == Language::Nb { *nb } else { *nn }));
    match (own, table().get(key)) {
        (Some(text), _) => text,
        (None, Some(e)) => e.get(lang),
        (None, None) => panic!("no phrase {key:?} in src/text/phrases.toml"),
    }
}

/// The phrase `key` in `lang` with its `{slot}`s filled.
pub fn fill(lang: Language, key: &str, slots: &[(&str, &str)]) -> String {
    fill_text(phrase(lang, key), slots)
}

/// Fill `{slot}`s in one pass, so a value that itself holds braces is left as it is.
fn fill_text(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if slots.iter().any(|(k, _)| *k == name) => {
                out.push_str(slots.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).unwrap_or(""));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every phrase in `lang`, by key (for the review page, which gets them as JSON).
pub fn all(lang: Language) -> BTreeMap<&'static str, &'static str> {
    table().keys().map(|k| (k.as_str(), phrase(lang, k))).collect()
}

/// The language tag documents carry (`xml:lang`, PDF `/Lang`, `dc:language`): "nb-NO" or "nn-NO".
pub fn lang_tag(lang: Language) -> &'static str {
    match lang {
        Language::Nb => "nb-NO",
        Language::Nn => "nn-NO",
    }
}

/// The `{slot}` names of a phrase text, sorted.
pub fn slots(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_with_the_same_slots() {
        let t = table();
        assert!(t.len() > 60, "only {} phrases", t.len());
        for (k, e) in t {
            assert!(!e.nb.trim().is_empty() && !e.nn.trim().is_empty(), "{k}: empty text");
            assert_eq!(slots(&e.nb), slots(&e.nn), "{k}: nb and nn have different slots");
        }
    }

    #[test]
    fn every_key_the_code_uses_is_in_the_table() {
        // Every string literal in src/ that names a key of one of the table's groups.
        let groups: Vec<&str> = TABLE.lines().filter_map(|l| l.strip_prefix('[')?.split(['.', ']']).next()).collect();
        let re = regex::Regex::new(&format!(r#""((?:{})\.[a-z_.]+)""#, groups.join("|"))).unwrap();
        let mut used = 0;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let src = std::fs::read_to_string(&p).unwrap();
                    // File names ("referat.md") are not phrase keys.
                    for c in re.captures_iter(&src).filter(|c| {
                        !c[1].rsplit('.').next().is_some_and(|e| ["md", "docx", "odt", "pdf", "vtt", "srt", "json"].contains(&e))
                    }) {
                        used += 1;
                        assert!(table().contains_key(&c[1]), "{} uses phrase {:?}, missing in phrases.toml", p.display(), &c[1]);
                    }
                }
            }
        }
        assert!(used > 20, "found only {used} phrase keys in the code");
    }

    #[test]
    fn fill_and_lookup() {
        assert_eq!(fill(Language::Nn, "referat.title", &[("council", "Kontrollutvalet")]), "Referat frå møte i Kontrollutvalet");
        assert_eq!(
            fill(Language::Nb, "draft.vedtak.orientering", &[("council", "Rådet"), ("saken", "sakene")]),
            "Rådet tar sakene til orientering."
        );
        assert_eq!(
            fill(Language::Nn, "draft.vedtak.orientering", &[("council", "Rådet"), ("saken", "saka")]),
            "Rådet tek saka til orientering."
        );
        // A filled value with braces in it stays as written; unknown braces stay too.
        assert_eq!(fill_text("a {x} {y}", &[("x", "{y}")]), "a {y} {y}");
        assert_eq!(phrase(Language::Nn, "referat.absent"), "Ikkje til stades:");
        assert_eq!(all(Language::Nb).get("referat.vedtak"), Some(&"Vedtak:"));
        assert_eq!(slots("{who}{sep} la frem saken{purpose}"), vec!["purpose", "sep", "who"]);
    }
}
