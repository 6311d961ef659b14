//! Checks HTTP exchanges against GitHub's own OpenAPI description
//! (`../shared/github-api/openapi-issues-subset.json`): finds the operation,
//! validates path and query parameters, the request body and the response body.
//!
//! The validator covers the OpenAPI 3.0 subset that file uses (`type`,
//! `nullable`, `properties`, `required`, `items`, `enum`, `oneOf`/`anyOf`
//! (both as anyOf), `allOf`, `$ref`, `additionalProperties`, `minItems`,
//! `format: date-time`). It must not reject real GitHub behaviour listed in
//! that folder's README: extra properties (`"status": "422"`) are allowed unless
//! `additionalProperties: false`, `due_on: null` is accepted, `/repositories/{id}/…`
//! maps to `/repos/{owner}/{repo}/…`, and POST is accepted where only PATCH is
//! documented. The `x-github-breaking-changes` patches are not applied (they only
//! concern clients asking for API version 2026-03-10).
#![allow(dead_code)]

use serde_json::Value;
use std::sync::OnceLock;

/// `(name, decoded value)` of each `{…}` segment.
type PathParams = Vec<(String, String)>;

/// GitHub's REST description, loaded once per test binary.
pub struct OpenApi {
    doc: Value,
    /// `(template, its segments)`, fewer `{…}` first so literals win.
    templates: Vec<(String, Vec<String>)>,
}

impl OpenApi {
    /// The shared description, or `None` when the file is absent (a note is
    /// printed). Panics when it is absent and `CI` is set: CI must check.
    pub fn load() -> Option<&'static OpenApi> {
        static API: OnceLock<Option<OpenApi>> = OnceLock::new();
        API.get_or_init(|| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/github-api/openapi-issues-subset.json");
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let doc = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    Some(OpenApi::from_value(doc))
                }
                Err(e) if std::env::var_os("CI").is_some() => {
                    panic!("{}: {e}; CI must check GitHub traffic", path.display())
                }
                Err(_) => {
                    eprintln!("note: {} absent; OpenAPI checks skipped", path.display());
                    None
                }
            }
        })
        .as_ref()
    }

    /// Wraps an already parsed description (tests may build small ones).
    pub fn from_value(doc: Value) -> OpenApi {
        let mut templates: Vec<(String, Vec<String>)> = doc["paths"]
            .as_object()
            .map(|paths| {
                let segs = |t: &str| t.split('/').skip(1).map(str::to_string).collect();
                paths.keys().map(|t| (t.clone(), segs(t))).collect()
            })
            .unwrap_or_default();
        templates.sort_by_key(|(t, _)| t.matches('{').count());
        OpenApi { doc, templates }
    }

    /// Problems with one exchange; empty when it matches the description.
    /// `status` 0 means no response was sent (connection dropped): only the
    /// request is checked. `path` is as sent (percent-encoded), without query.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        query: &str,
        req_body: Option<&Value>,
        status: u16,
        resp_body: Option<&Value>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let segs = normalize_path(path);
        let Some((template, op, params)) = self.find_operation(method, &segs) else {
            out.push(format!("undescribed endpoint: {method} {path}"));
            return out;
        };
        let op_path = format!("{} {template}", method.to_uppercase());
        self.check_params(template, op, &params, query, &mut out);
        self.check_request_body(op, req_body, &mut out);
        if status != 0 {
            self.check_response(op, status, resp_body, &mut out);
        }
        out.into_iter().map(|p| format!("{op_path}: {p}")).collect()
    }

    /// The matching template, its operation, and the path parameters.
    fn find_operation(&self, method: &str, segs: &[String]) -> Option<(&str, &Value, PathParams)> {
        let method = method.to_lowercase();
        let (template, tsegs) = self.templates.iter().find(|(_, t)| {
            t.len() == segs.len()
                && t.iter()
                    .zip(segs)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })?;
        let item = &self.doc["paths"][template.as_str()];
        // GitHub accepts POST where PATCH is documented (octocrab's update_comment).
        let op = match (&item[method.as_str()], method.as_str()) {
            (Value::Null, "post") => &item["patch"],
            (op, _) => op,
        };
        if op.is_null() {
            return None;
        }
        let params = tsegs
            .iter()
            .zip(segs)
            .filter(|(t, _)| t.starts_with('{'))
            .map(|(t, s)| (t.trim_matches(['{', '}']).to_string(), pct_decode(s)))
            .collect();
        Some((template, op, params))
    }

    fn check_params(
        &self,
        template: &str,
        op: &Value,
        path_params: &[(String, String)],
        query: &str,
        out: &mut Vec<String>,
    ) {
        let item_params = self.doc["paths"][template]["parameters"].as_array();
        let declared: Vec<&Value> = item_params
            .into_iter()
            .chain(op["parameters"].as_array())
            .flatten()
            .map(|p| self.resolve(p))
            .collect();
        let find = |name: &str, place: &str| {
            declared
                .iter()
                .find(|p| p["name"] == name && p["in"] == place)
                .copied()
        };
        for (name, value) in path_params {
            match find(name, "path") {
                Some(p) => self.check_param(&format!("path {name}"), &p["schema"], value, out),
                None => out.push(format!("path parameter {name} not declared")),
            }
        }
        let pairs = parse_query(query);
        for (name, value) in &pairs {
            match find(name, "query") {
                Some(p) => self.check_param(&format!("query {name}"), &p["schema"], value, out),
                None => out.push(format!("unknown query parameter {name:?}")),
            }
        }
        for p in &declared {
            let name = p["name"].as_str().unwrap_or_default();
            if p["in"] == "query" && p["required"] == true && !pairs.iter().any(|(n, _)| n == name)
            {
                out.push(format!("required query parameter {name} missing"));
            }
        }
    }

    /// A parameter arrives as text: coerce it to the schema's type first.
    fn check_param(&self, at: &str, schema: &Value, raw: &str, out: &mut Vec<String>) {
        let schema = self.resolve(schema);
        let value = match schema["type"].as_str() {
            Some("integer") => raw.parse::<i64>().map(Value::from).ok(),
            Some("number") => raw.parse::<f64>().ok().map(Value::from),
            Some("boolean") => raw.parse::<bool>().ok().map(Value::from),
            _ => Some(Value::from(raw)),
        };
        match value {
            Some(v) => self.validate(schema, &v, at, out),
            None => out.push(format!("{at}: {raw:?} is not {}", schema["type"])),
        }
    }

    fn check_request_body(&self, op: &Value, body: Option<&Value>, out: &mut Vec<String>) {
        let rb = self.resolve(&op["requestBody"]);
        match (body, rb.is_null()) {
            (None, _) if rb["required"] == true => out.push("request body required".into()),
            (None, _) => {}
            (Some(_), true) => out.push("request body sent; the operation takes none".into()),
            (Some(body), false) => {
                let schema = &rb["content"]["application/json"]["schema"];
                self.validate(schema, body, "request", out);
            }
        }
    }

    fn check_response(&self, op: &Value, status: u16, body: Option<&Value>, out: &mut Vec<String>) {
        let declared = &op["responses"][status.to_string()];
        let basic_error = serde_json::json!({"$ref": "#/components/schemas/basic-error"});
        let schema = if declared.is_null() {
            // Any conditional GET may be answered 304, described or not.
            if status == 304 {
                if body.is_some() {
                    out.push("status 304 must have no body".into());
                }
                return;
            }
            if status < 400 {
                out.push(format!("status {status} not described"));
                return;
            }
            // GitHub answers 401/403/429/5xx on any operation with its error shape.
            &basic_error
        } else {
            &self.resolve(declared)["content"]["application/json"]["schema"]
        };
        match (body, schema.is_null()) {
            (Some(_), true) => out.push(format!("status {status} must have no body")),
            (None, false) => out.push(format!("status {status} needs a body")),
            (Some(b), false) => self.validate(schema, b, &format!("response {status}"), out),
            (None, true) => {}
        }
    }

    /// Follows `$ref` chains (`#/components/…`); unknown refs become `Null`.
    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            v = self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or(&Value::Null);
        }
        v
    }

    /// Validates `v` against an OpenAPI 3.0 `schema`, pushing `at: problem`s.
    pub fn validate(&self, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let target = self.resolve(schema);
            if target.is_null() {
                out.push(format!("{at}: unresolved $ref {r}"));
                return;
            }
            return self.validate(target, v, at, out);
        }
        if v.is_null() && (schema["nullable"] == true || at.ends_with(".due_on")) {
            return; // due_on: null clears a milestone's date (README quirk).
        }
        for sub in schema["allOf"].as_array().into_iter().flatten() {
            self.validate(sub, v, at, out);
        }
        let alternatives = schema["oneOf"].as_array().or(schema["anyOf"].as_array());
        if let Some(alts) = alternatives {
            let mut first = Vec::new();
            let ok = alts.iter().enumerate().any(|(i, alt)| {
                let mut errs = Vec::new();
                self.validate(alt, v, at, &mut errs);
                if i == 0 {
                    first = errs.clone();
                }
                errs.is_empty()
            });
            if !ok {
                let why = first.first().cloned().unwrap_or_default();
                out.push(format!(
                    "{at}: matches none of {} alternatives ({why})",
                    alts.len()
                ));
            }
        }
        if let Some(ty) = schema["type"].as_str() {
            let fits = match ty {
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "string" => v.is_string(),
                "boolean" => v.is_boolean(),
                "array" => v.is_array(),
                "object" => v.is_object(),
                _ => true,
            };
            if !fits {
                out.push(format!("{at}: expected {ty}, got {}", brief(v)));
                return;
            }
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(v) {
                out.push(format!(
                    "{at}: {} not in enum {}",
                    brief(v),
                    Value::from(allowed.clone())
                ));
            }
        }
        if schema["format"] == "date-time" {
            if let Some(s) = v.as_str() {
                if chrono::DateTime::parse_from_rfc3339(s).is_err() {
                    out.push(format!("{at}: {s:?} is not an RFC 3339 date-time"));
                }
            }
        }
        if let Some(items) = v.as_array() {
            if let Some(min) = schema["minItems"].as_u64() {
                if (items.len() as u64) < min {
                    out.push(format!("{at}: fewer than {min} items"));
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.validate(item_schema, item, &format!("{at}[{i}]"), out);
                }
            }
        }
        if let Some(obj) = v.as_object() {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if !obj.contains_key(name) {
                    out.push(format!("{at}: missing required property {name:?}"));
                }
            }
            let props = schema["properties"].as_object();
            for (key, value) in obj {
                let at = format!("{at}.{key}");
                match (
                    props.and_then(|p| p.get(key)),
                    &schema["additionalProperties"],
                ) {
                    (Some(s), _) => self.validate(s, value, &at, out),
                    (None, Value::Bool(false)) => out.push(format!("{at}: property not allowed")),
                    (None, extra) if extra.is_object() => self.validate(extra, value, &at, out),
                    (None, _) => {}
                }
            }
        }
    }
}

/// Path segments, with `/repositories/{id}/…` mapped to `/repos/{owner}/{repo}/…`.
fn normalize_path(path: &str) -> Vec<String> {
    let mut segs: Vec<String> = path.split('/').skip(1).map(str::to_string).collect();
    if segs.first().is_some_and(|s| s == "repositories") && segs.len() >= 2 {
        segs.splice(0..2, ["repos".into(), "owner".into(), "repo".into()]);
    }
    segs
}

/// `a=1&b=x%20y` → `[("a","1"), ("b","x y")]`.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space).
pub fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = || std::str::from_utf8(b.get(i + 1..i + 3)?).ok();
        match (b[i], hex().and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn brief(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}
