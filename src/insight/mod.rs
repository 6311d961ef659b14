//! PURE: what pmtrack can tell about action items beyond their state —
//! their **type** (the Google SRE kinds plus process and documentation,
//! [`kind`]), advice on how they are written ([`lint`]), and the same fix
//! promised in several postmortems ([`recurring`]). No IO, no clock.

pub mod kind;
pub mod lint;
pub mod recurring;

/// The words of `text`, lower case, letters and digits only (`'` kept
/// inside a word): what the vocabularies match against.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}
