//! YAML as kubectl reads it. kubectl, Helm and Argo CD turn YAML into the JSON the API server
//! receives through sigs.k8s.io/yaml (`YAMLToJSON`) over go-yaml v2, which resolves a plain
//! (unquoted, untagged) scalar by YAML 1.1: `yes`, `on` and `y` are booleans, `0644` is the
//! octal 420, `1_000` is 1000, `.5` is a number. Every YAML everynode reads goes through this
//! module, so it means what it will mean to the cluster: manifests and YAML descriptions
//! ([`documents`], values and positions in one pass) and recordings ([`Stream`], a serde
//! deserializer that streams without building a tree).
//!
//! Upstream: `resolve` in `goyaml.v2/resolve.go` (the plain-scalar table), `decoder.scalar`,
//! `decoder.mapping` and `decoder.merge` in `goyaml.v2/decode.go` (quoted scalars and block
//! scalars stay strings; a timestamp decoded into `interface{}` stays its text; merge keys),
//! and `convertToJSONableObject` in sigs.k8s.io/yaml `yaml.go` (map keys become strings).
//! Go's `strconv.ParseInt` with base 0, which `resolve` calls, reads the prefixes `0b`, `0o`
//! and `0x` (any case) and a leading `0` as octal since Go 1.13: `0o644` is 420 too.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use saphyr_parser::{Event, Input, Parser, ScalarStyle, StrInput, Tag};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::source::{Span, SpanMap, pointer};

/// A scalar as go-yaml v2 decodes it into `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    /// Go's `int` (64 bits on every platform kubectl ships for).
    Int(i64),
    /// Go's `uint64`: only above `i64::MAX`.
    Uint(u64),
    Float(f64),
    /// An integer beyond 64 bits (`*big.Int`), here approximated.
    Big(f64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    /// How a message names the value: `the boolean true`, `the number 420`, `null`.
    pub fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => format!("the boolean {b}"),
            Scalar::Str(s) => format!("the string {s:?}"),
            number => match number.to_json() {
                Ok(n) => format!("the number {n}"),
                Err(_) => "a number JSON cannot hold".into(),
            },
        }
    }

    /// The JSON value `json.Marshal` writes for it: a float that is a whole number is
    /// written without a fraction (`1.0` and `1e3` arrive as the integers 1 and 1000);
    /// NaN and the infinities are an error (`json: unsupported value`), as kubectl stops.
    pub fn to_json(&self) -> Result<Value, String> {
        Ok(match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(i) => Value::from(*i),
            Scalar::Uint(u) => Value::from(*u),
            Scalar::Str(s) => Value::String(s.to_string()),
            Scalar::Float(f) | Scalar::Big(f) => float_json(*f)?,
        })
    }
}

fn float_json(f: f64) -> Result<Value, String> {
    if !f.is_finite() {
        let shown = if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "+Inf"
        } else {
            "-Inf"
        };
        return Err(format!(
            "kubectl cannot send this number: JSON has no {shown} (kubectl stops with \"json: unsupported value: {shown}\")"
        ));
    }
    // encoding/json writes floats below 1e21 without an exponent: a whole one reads back
    // as an integer on the server.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Ok(Value::from(f as i64));
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Ok(Value::from(f as u64));
        }
    }
    Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
}

/// Resolves a plain, untagged scalar: go-yaml v2's `resolve("", text)`.
pub fn resolve_plain(text: &str) -> Scalar<'_> {
    // The first byte hints at what the scalar may be (`resolveTable`): a sign, a digit,
    // one of `yYnNtTfFoO~` (looked up whole), a dot; anything else is a string.
    let hint = match text.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Scalar::Str(Cow::Borrowed(text)),
    };
    if let Some(known) = lookup(text) {
        return known;
    }
    match hint {
        b'.' => match go_parse_float(text) {
            Some(f) => Scalar::Float(f),
            None => Scalar::Str(Cow::Borrowed(text)),
        },
        b'D' | b'S' => resolve_number(text).unwrap_or(Scalar::Str(Cow::Borrowed(text))),
        _ => Scalar::Str(Cow::Borrowed(text)),
    }
}

/// The whole-string table of `resolve.go`'s `resolveMapList` (YAML 1.1 booleans, nulls,
/// the special floats; `<<` is handled as a merge key by the callers).
fn lookup(text: &str) -> Option<Scalar<'static>> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// The `'D', 'S'` branch of `resolve`: underscores dropped, then `strconv.ParseInt(plain,
/// 0, 64)`, `ParseUint`, a YAML-style float, and a `big.Int` for integers out of range.
/// (A timestamp, tried first upstream, decodes into `interface{}` as its text: a string
/// either way. Base 60 is not supported upstream: `1:1` is a string.)
fn resolve_number(text: &str) -> Option<Scalar<'static>> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Ok(i) = go_parse_int(&plain) {
        return Some(Scalar::Int(i));
    }
    let unsigned = go_parse_uint(&plain);
    if let Ok(u) = unsigned {
        return Some(Scalar::Uint(u));
    }
    if yaml_style_float(&plain) {
        // strconv.ParseFloat fails (out of range) where Rust gives an infinity.
        if let Ok(f) = plain.parse::<f64>()
            && f.is_finite()
        {
            return Some(Scalar::Float(f));
        }
    }
    // The `0b`/`-0b` branches after the float are what ParseInt with base 0 already
    // read (since Go 1.13). What is left: an integer too large for 64 bits, which
    // `big.Int.SetString(plain, 0)` reads when ParseUint failed with a range error.
    if unsigned == Err(NumError::Range) {
        return big_int(&plain).map(Scalar::Big);
    }
    None
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum NumError {
    Syntax,
    Range,
}

/// The base-0 prefix of Go's `strconv.ParseUint`: `0b`, `0o`, `0x` (any case, with at least
/// one more character), a leading `0` for octal, else decimal.
fn go_base(s: &str) -> (u32, &str) {
    let b = s.as_bytes();
    if b.first() == Some(&b'0') {
        if b.len() >= 3 {
            match b[1].to_ascii_lowercase() {
                b'b' => return (2, &s[2..]),
                b'o' => return (8, &s[2..]),
                b'x' => return (16, &s[2..]),
                _ => {}
            }
        }
        return (8, &s[1..]);
    }
    (10, s)
}

/// Go's `strconv.ParseUint(s, 0, 64)` on a string without underscores.
fn go_parse_uint(s: &str) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    let (base, digits) = go_base(s);
    let mut n: u64 = 0;
    for c in digits.bytes() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' | b'A'..=b'Z' => c.to_ascii_lowercase() - b'a' + 10,
            _ => return Err(NumError::Syntax),
        };
        if u32::from(d) >= base {
            return Err(NumError::Syntax);
        }
        n = n
            .checked_mul(u64::from(base))
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or(NumError::Range)?;
    }
    Ok(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then as `ParseUint`.
fn go_parse_int(s: &str) -> Result<i64, NumError> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let n = go_parse_uint(rest)?;
    if negative {
        if n > 1 << 63 {
            return Err(NumError::Range);
        }
        Ok((n as i64).wrapping_neg())
    } else {
        i64::try_from(n).map_err(|_| NumError::Range)
    }
}

/// `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for a scalar that starts with a dot (the `'.'` branch
/// of `resolve`, which does not drop underscores first): `.5`, `.5e3`, `.5_5` (Go allows
/// an underscore between digits, `underscoreOK`).
fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let digit = |j: Option<usize>| j.and_then(|j| b.get(j)).is_some_and(u8::is_ascii_digit);
            if !digit(i.checked_sub(1)) || !digit(Some(i + 1)) {
                return None;
            }
        }
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if !plain.starts_with('.') || !yaml_style_float(&plain) {
        return None;
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `big.Int.SetString(s, 0)` for a valid integer out of 64-bit range, as a float.
fn big_int(s: &str) -> Option<f64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let (base, digits) = go_base(rest);
    if digits.is_empty() {
        return None;
    }
    let mut n = 0f64;
    for c in digits.chars() {
        n = n * f64::from(base) + f64::from(c.to_digit(base)?);
    }
    Some(if negative { -n } else { n })
}

/// A tag in go-yaml's short form: `!!str`, `!!int`, `!local`, `!` (non-specific).
fn short_tag(tag: &Tag) -> String {
    const LONG: &str = "tag:yaml.org,2002:";
    if tag.handle == LONG {
        format!("!!{}", tag.suffix)
    } else if tag.handle.is_empty() {
        match tag.suffix.strip_prefix(LONG) {
            Some(rest) => format!("!!{rest}"),
            None if tag.suffix == "!" => "!".into(),
            None => tag.suffix.clone(),
        }
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Resolves any scalar as `decoder.scalar` does: a quoted or block scalar without a tag is
/// a string; a plain one is resolved; an explicit core tag (`!!int "0644"`) resolves the
/// text and fails when it does not fit (`cannot decode !!str `x` as a !!int`); `!!binary`
/// is decoded from base64; any other tag (`!`, `!custom`) leaves the text a string.
pub fn resolve<'a>(
    text: Cow<'a, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Scalar<'a>, String> {
    let Some(tag) = tag else {
        if style == ScalarStyle::Plain {
            return Ok(match resolve_plain(&text) {
                Scalar::Str(_) => Scalar::Str(text),
                other => other.into_owned(),
            });
        }
        return Ok(Scalar::Str(text));
    };
    let tag = short_tag(tag);
    match tag.as_str() {
        "!!str" | "!!timestamp" => Ok(Scalar::Str(text)),
        "!!binary" => decode_base64(&text)
            .map(|s| Scalar::Str(Cow::Owned(s)))
            .ok_or_else(|| "!!binary value contains invalid base64 data".to_string()),
        "!!int" | "!!float" | "!!bool" | "!!null" => {
            let resolved = resolve_plain(&text).into_owned();
            let got = match &resolved {
                Scalar::Null => "!!null",
                Scalar::Bool(_) => "!!bool",
                Scalar::Int(_) | Scalar::Uint(_) | Scalar::Big(_) => "!!int",
                Scalar::Float(_) => "!!float",
                Scalar::Str(_) => "!!str",
            };
            match (tag.as_str(), resolved) {
                (want, resolved) if want == got => Ok(resolved),
                ("!!float", Scalar::Int(i)) => Ok(Scalar::Float(i as f64)),
                _ => Err(format!("cannot decode {got} `{text}` as a {tag}")),
            }
        }
        _ => Ok(Scalar::Str(text)),
    }
}

impl Scalar<'_> {
    fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Int(i) => Scalar::Int(i),
            Scalar::Uint(u) => Scalar::Uint(u),
            Scalar::Float(f) => Scalar::Float(f),
            Scalar::Big(f) => Scalar::Big(f),
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
        }
    }

    /// The JSON key `convertToJSONableObject` makes of a mapping key: strings as they are,
    /// integers in decimal, floats as `strconv.FormatFloat(f, 'g', -1, 32)` (`.inf`,
    /// `-.inf`, `.nan` for the special ones), booleans as `true`/`false`; a null, a
    /// `uint64` or a big integer key is an error (`unsupported map key of type`).
    pub fn key(&self) -> Result<String, String> {
        match self {
            Scalar::Str(s) => Ok(s.to_string()),
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::Bool(b) => Ok(b.to_string()),
            Scalar::Float(f) => Ok(go_format_float32(*f)),
            Scalar::Null => Err("unsupported map key of type: <nil>".into()),
            Scalar::Uint(_) => Err("unsupported map key of type: uint64".into()),
            Scalar::Big(_) => Err("unsupported map key of type: *big.Int".into()),
        }
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's names for the special values.
fn go_format_float32(f: f64) -> String {
    let x = f as f32;
    if x.is_nan() {
        return ".nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    // Rust's `{:e}` prints the shortest digits that read back as the same f32, as Go's
    // shortest formatting does: `d.ddde±x`.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.trim_start_matches('0').is_empty() {
        String::new()
    } else {
        digits
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let nd = digits.len() as i32;
    // Go's 'g' with the shortest precision: %e when the exponent is below -4 or at least 6.
    let exp = if nd == 0 { -1 } else { exponent };
    if nd > 0 && !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let dp = exp + 1; // digits before the decimal point
    let digit = |i: i32| {
        if i >= 0 && i < nd {
            digits.as_bytes()[i as usize] as char
        } else {
            '0'
        }
    };
    let mut out = String::from(sign);
    if dp > 0 {
        (0..dp).for_each(|i| out.push(digit(i)));
    } else {
        out.push('0');
    }
    let fraction = (nd - dp).max(0);
    if fraction > 0 {
        out.push('.');
        (0..fraction).for_each(|i| out.push(digit(dp + i)));
    }
    out
}

fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// What kubectl reads in a plain scalar written where a value of another type belongs:
/// the help a schema finding gives when the value's type came from YAML 1.1.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The scalar as written.
    pub text: String,
    /// `the boolean true`, `the number 420`.
    pub meaning: String,
    /// Whether YAML 1.2 (kustomize, go-yaml v3) reads it as a string: the YAML 1.1
    /// booleans `y`, `yes`, `on`, … (not `true`/`false`).
    pub yaml11_only: bool,
    /// In a description (everynode's own format, read by the same rules), not in a
    /// manifest kubectl sends.
    pub description: bool,
}

impl Reading {
    /// The message of a finding about the value at `field` that a schema refuses
    /// (`schema_says`: the schema's own words, `true is not of type "string"`).
    pub fn message(&self, field: &str, schema_says: &str) -> String {
        if self.description {
            return format!(
                "{field}: the unquoted `{}` is {} (descriptions are read as kubectl reads YAML, by YAML 1.1): {schema_says}",
                self.text, self.meaning
            );
        }
        format!(
            "{field}: kubectl reads the unquoted `{}` as {} (YAML 1.1): {schema_says}",
            self.text, self.meaning
        )
    }

    /// The label at the value: what kubectl reads there.
    pub fn label(&self) -> String {
        if self.description {
            return format!("{} here", self.meaning);
        }
        format!("kubectl reads {} here", self.meaning)
    }

    /// The help. Where the schema wants text (`schema_says` names `"string"`): quote it,
    /// and for a YAML 1.1 boolean, kustomize would have sent the text. Elsewhere: write a
    /// value of the field's type.
    pub fn help(&self, schema_says: &str) -> String {
        if !schema_says.contains("\"string\"") {
            return format!(
                "`{}` is {} to kubectl: write a value of the type the field takes",
                self.text, self.meaning
            );
        }
        let quote = format!("quote it to send the text: \"{}\"", self.text);
        if self.description {
            return format!("quote it: \"{}\"", self.text);
        }
        if self.yaml11_only {
            format!(
                "{quote} (kustomize reads YAML 1.2, where `{}` is a string, and would send the text; kubectl, Helm and Argo CD send {})",
                self.text, self.meaning
            )
        } else {
            quote
        }
    }
}

/// The YAML 1.1 reading of a value a JSON Schema refused, when the value is a boolean or
/// a number that was written as a plain scalar at `span`: what lint, plan and diff say
/// instead of the schema's bare "not of type".
pub fn mistyped(text: &str, span: Option<Span>, value: &Value) -> Option<Reading> {
    if !(value.is_boolean() || value.is_number()) {
        return None;
    }
    plain_reading(text, span?)
}

/// How kubectl reads the scalar written at `span` of `text`, when it is plain and YAML 1.1
/// makes it a boolean or a number (not a string, not null). `None` for quoted and block
/// scalars, collections, and plain strings.
pub fn plain_reading(text: &str, span: Span) -> Option<Reading> {
    let start = span.offset();
    let written = text.get(start..start + span.len())?.trim_end();
    if written.is_empty() || written.contains('\n') {
        return None;
    }
    if matches!(
        written.as_bytes()[0],
        b'"' | b'\'' | b'|' | b'>' | b'!' | b'&' | b'*' | b'[' | b'{'
    ) {
        return None;
    }
    let resolved = resolve_plain(written);
    let yaml11_only = matches!(resolved, Scalar::Bool(_))
        && !matches!(
            written,
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        );
    match resolved {
        Scalar::Str(_) | Scalar::Null => None,
        other => Some(Reading {
            text: written.to_string(),
            meaning: other.describe(),
            yaml11_only,
            description: false,
        }),
    }
}

/// Quotes the plain scalars of a YAML text that a YAML 1.2 emitter wrote as strings but
/// kubectl would read as something else (YAML 1.1): `yes`, `on`, `n`, `1_000`. serde's
/// YAML emitter quotes what YAML 1.2 would misread (`'true'`, `'0644'`) but not these, so
/// `render` would hand kubectl a boolean where the description says the text "yes".
pub fn quote_for_kubectl(text: &str) -> Cow<'_, str> {
    let mut plain = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((Event::Scalar(value, ScalarStyle::Plain, _, None), span)) = event else {
            if event.is_err() {
                return Cow::Borrowed(text);
            }
            continue;
        };
        if !matches!(resolve_plain(&value), Scalar::Str(_)) && yaml12_reads_a_string(&value) {
            plain.push((span.start.index(), span.end.index()));
        }
    }
    if plain.is_empty() {
        return Cow::Borrowed(text);
    }
    let byte: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let mut out = text.to_string();
    for (start, end) in plain.into_iter().rev() {
        let (Some(&start), Some(&end)) = (byte.get(start), byte.get(end)) else {
            continue;
        };
        let quoted = format!("'{}'", &text[start..end]);
        out.replace_range(start..end, &quoted);
    }
    Cow::Owned(out)
}

/// Whether the YAML 1.2 core schema reads a plain scalar as a string: none of its null,
/// boolean, integer (`[-+]?[0-9]+`, `0o…`, `0x…`) and float forms.
fn yaml12_reads_a_string(text: &str) -> bool {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let special = matches!(
        text,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) || matches!(unsigned, ".inf" | ".Inf" | ".INF");
    let integer = digits(unsigned, 10)
        || text.strip_prefix("0o").is_some_and(|s| digits(s, 8))
        || text.strip_prefix("0x").is_some_and(|s| digits(s, 16));
    !(special || integer || yaml_style_float(text))
}

/// A problem reading a YAML stream: where (a byte offset, and the line and column) and
/// what, without the position in the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
    /// 1-based line and column (in characters) of the event where it happened.
    pub location: Option<(usize, usize)>,
    /// Character index of the event, for callers that compute byte offsets.
    pub index: Option<usize>,
    /// The path of the value, `metadata.labels.tier`, when a deserializer failed in it.
    pub path: Option<String>,
    /// Set when the document uses a merge key (`<<`), which [`Stream`] does not stream:
    /// read the document with [`documents`] instead.
    pub needs_tree: bool,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            location: None,
            index: None,
            path: None,
            needs_tree: false,
        }
    }

    fn at(mut self, span: &saphyr_parser::Span) -> Self {
        if self.location.is_none() {
            self.location = Some((span.start.line(), span.start.col() + 1));
            self.index = Some(span.start.index());
        }
        self
    }

    fn scan(e: &saphyr_parser::ScanError) -> Self {
        let mark = e.marker();
        Error {
            message: e.info().to_string(),
            location: Some((mark.line(), mark.col() + 1)),
            index: Some(mark.index()),
            path: None,
            needs_tree: false,
        }
    }

    /// The 1-based line, if known.
    pub fn line(&self) -> Option<usize> {
        self.location.map(|l| l.0)
    }

    /// The 1-based column (in characters), if known.
    pub fn column(&self) -> Option<usize> {
        self.location.map(|l| l.1)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) if !path.is_empty() => write!(f, "{path}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}

type Spanned<'i> = (Event<'i>, saphyr_parser::Span);

/// How many events the aliases of a document may replay, per event written: a guard
/// against "billion laughs" documents, whose few lines expand to gigabytes.
const ALIAS_EXPANSION: usize = 100;

/// The events of a stream, with aliases replaced by the events of their anchored node.
struct Events<'i, T: Input> {
    parser: Parser<'i, T>,
    peeked: Option<Spanned<'i>>,
    /// Replays of anchored nodes, innermost last: the events and the next index.
    replay: Vec<(Rc<[Spanned<'i>]>, usize)>,
    anchors: HashMap<usize, Rc<[Spanned<'i>]>>,
    /// Anchored nodes being recorded: anchor id, events so far, collections still open.
    recording: Vec<(usize, Vec<Spanned<'i>>, usize)>,
    parsed: usize,
    replayed: usize,
    /// Collections open: past [`crate::parse::MAX_DEPTH`] the document is refused before
    /// anything recursive (serde, the schema check, dropping the tree) meets it.
    depth: usize,
}

impl<'i, T: Input> Events<'i, T> {
    fn new(parser: Parser<'i, T>) -> Self {
        Events {
            parser,
            peeked: None,
            replay: Vec::new(),
            anchors: HashMap::new(),
            recording: Vec::new(),
            parsed: 0,
            replayed: 0,
            depth: 0,
        }
    }

    fn peek(&mut self) -> Result<&Spanned<'i>, Error> {
        if self.peeked.is_none() {
            let next = self.next_expanded()?;
            self.peeked = Some(next);
        }
        self.peeked
            .as_ref()
            .ok_or_else(|| Error::new("unexpected end of the stream"))
    }

    fn next(&mut self) -> Result<Spanned<'i>, Error> {
        match self.peeked.take() {
            Some(event) => Ok(event),
            None => self.next_expanded(),
        }
    }

    /// The next event, an alias replaced by its node's events.
    fn next_expanded(&mut self) -> Result<Spanned<'i>, Error> {
        loop {
            let (event, span) = self.next_raw()?;
            let Event::Alias(id) = event else {
                match event {
                    Event::MappingStart(..) | Event::SequenceStart(..) => {
                        self.depth += 1;
                        if self.depth > crate::parse::MAX_DEPTH {
                            return Err(Error::new(format!(
                                "the document nests deeper than {} levels: descriptions and manifests never need this depth (a generated or corrupted file?)",
                                crate::parse::MAX_DEPTH
                            ))
                            .at(&span));
                        }
                    }
                    Event::MappingEnd | Event::SequenceEnd => {
                        self.depth = self.depth.saturating_sub(1)
                    }
                    _ => {}
                }
                return Ok((event, span));
            };
            // An alias inside the node it names has no recording yet (go-yaml: "anchor
            // value contains itself").
            let Some(events) = self.anchors.get(&id).cloned() else {
                return Err(Error::new("an alias refers to the node that contains it").at(&span));
            };
            self.replay.push((events, 0));
        }
    }

    fn next_raw(&mut self) -> Result<Spanned<'i>, Error> {
        while let Some((events, next)) = self.replay.last_mut() {
            if let Some(event) = events.get(*next) {
                *next += 1;
                self.replayed += 1;
                if self.replayed > ALIAS_EXPANSION * self.parsed + 10_000 {
                    return Err(Error::new(
                        "the document's aliases expand too far (a \"billion laughs\" document?)",
                    )
                    .at(&event.1));
                }
                return Ok(event.clone());
            }
            self.replay.pop();
        }
        let event = match self.parser.next_event() {
            Some(Ok(event)) => event,
            Some(Err(e)) => return Err(Error::scan(&e)),
            None => return Err(Error::new("unexpected end of the stream")),
        };
        self.parsed += 1;
        self.record(&event);
        Ok(event)
    }

    /// Keeps the events of anchored nodes, for their aliases.
    fn record(&mut self, event: &Spanned<'i>) {
        let (opens, closes) = match &event.0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => (1, 0),
            Event::MappingEnd | Event::SequenceEnd => (0, 1),
            _ => (0, 0),
        };
        let mut finished = Vec::new();
        for (i, (_, events, open)) in self.recording.iter_mut().enumerate() {
            events.push(event.clone());
            *open = *open + opens - closes;
            if *open == 0 {
                finished.push(i);
            }
        }
        for i in finished.into_iter().rev() {
            let (id, events, _) = self.recording.remove(i);
            self.anchors.insert(id, events.into());
        }
        let anchor = match &event.0 {
            Event::Scalar(_, _, id, _)
            | Event::MappingStart(id, _)
            | Event::SequenceStart(id, _) => *id,
            _ => 0,
        };
        if anchor != 0 {
            if opens == 0 {
                self.anchors.insert(anchor, vec![event.clone()].into());
            } else {
                self.recording.push((anchor, vec![event.clone()], 1));
            }
        }
    }
}

/// Whether a mapping key scalar is the merge key `<<` (`isMerge`: plain, or tagged
/// `!!merge`).
fn is_merge(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
    text == "<<"
        && match tag {
            None => style == ScalarStyle::Plain,
            Some(tag) => short_tag(tag) == "!!merge",
        }
}

/// One document: its value as the API server receives it, and where each value is written.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    /// Positions keyed by JSON pointer: scalars at the value, mappings and sequences
    /// inside a mapping at their key; keys recorded apart (`SpanMap::key`).
    pub spans: SpanMap,
}

/// A problem reading a file with [`documents`]: the byte offset and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub offset: usize,
    pub message: String,
    /// How to fix it, in one line.
    pub help: &'static str,
}

/// The fix of most YAML problems.
pub const SYNTAX_HELP: &str = "check the indentation and quoting around this point";

/// One open collection while building a document.
enum Frame {
    Map {
        at: String,
        map: Map<String, Value>,
        key: Option<Key>,
        /// Each key written in this mapping (not merged in), with its byte offset.
        written: HashMap<String, usize>,
    },
    Seq {
        at: String,
        items: Vec<Value>,
    },
}

struct Key {
    name: String,
    span: Span,
    merge: bool,
}

/// Reads every document of a YAML (or JSON) text as kubectl does, with the position of
/// each value. Empty documents are null. A text that starts with `{` is JSON to kubectl:
/// its floats are kept as written (`5.0` is not the integer 5).
pub fn documents(text: &str) -> Result<Vec<Document>, Problem> {
    // saphyr counts characters; spans are byte offsets.
    let table: Option<Vec<usize>> = (!text.is_ascii()).then(|| {
        text.char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(text.len()))
            .collect()
    });
    let byte = |index: usize| match &table {
        None => index.min(text.len()),
        Some(table) => table.get(index).copied().unwrap_or(text.len()),
    };
    let problem = |e: Error| Problem {
        offset: e.index.map_or(0, byte),
        message: e.message,
        help: SYNTAX_HELP,
    };
    // kubectl decodes a document that starts with `{` as JSON (apimachinery's
    // `YAMLOrJSONDecoder`, `hasJSONPrefix`), not through YAMLToJSON: its numbers arrive as
    // written.
    let json = text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with('{');
    let mut events = Events::new(Parser::new_from_str(text));
    let mut out = Vec::new();
    let mut spans = SpanMap::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    loop {
        let (event, span) = events.next().map_err(problem)?;
        let start = byte(span.start.index());
        let here: Span = (start, byte(span.end.index()).max(start) - start).into();
        let fail = |message: String| Problem {
            offset: start,
            message,
            help: SYNTAX_HELP,
        };
        match event {
            Event::StreamEnd => return Ok(out),
            Event::DocumentStart(_) => {
                spans = SpanMap::default();
                stack.clear();
                root = None;
            }
            Event::DocumentEnd => out.push(Document {
                value: root.take().unwrap_or(Value::Null),
                spans: std::mem::take(&mut spans),
            }),
            Event::Scalar(value, style, _, tag) => {
                if let Some(Frame::Map {
                    key: key @ None,
                    written,
                    ..
                }) = stack.last_mut()
                {
                    let merge = is_merge(&value, style, tag.as_deref());
                    let written_as = value.to_string();
                    let name = if merge {
                        "<<".to_string()
                    } else {
                        resolve(value, style, tag.as_deref())
                            .and_then(|s| s.key())
                            .map_err(&fail)?
                    };
                    // YAML forbids two equal keys in one mapping (1.1 and 1.2: "the
                    // content of a mapping node is an unordered set of key/value node
                    // pairs, with the restriction that each of the keys is unique").
                    // kubectl's reader (go-yaml v2, not strict) keeps the last and loses
                    // the first in silence (kubernetes/kubernetes#67477), which is never
                    // what was meant; go-yaml v3 and kustomize refuse it, and so does
                    // everynode. Keys are compared as they resolve: `on` and `yes` are
                    // both "true" to kubectl.
                    if !merge && let Some(first) = written.insert(name.clone(), start) {
                        // Counted back from the second, so the words hold for YAML
                        // written inside another file too (a KDL `patch`).
                        let above = text
                            .get(first..start)
                            .map_or(0, |between| between.matches('\n').count());
                        let place = match above {
                            0 => "earlier on this line".to_string(),
                            1 => "on the line above".to_string(),
                            n => format!("{n} lines above"),
                        };
                        let key = if written_as == name {
                            format!("{name:?}")
                        } else {
                            format!("{written_as} (read as {name:?})")
                        };
                        return Err(Problem {
                            help: "give the key once: join the two values into one, or remove the one not meant",
                            ..fail(format!(
                                "mapping key {key} already given {place}: a key is given once in a mapping (kubectl would keep the last value and lose the first in silence)"
                            ))
                        });
                    }
                    *key = Some(Key {
                        name,
                        span: here,
                        merge,
                    });
                    continue;
                }
                let resolved = resolve(value, style, tag.as_deref()).map_err(&fail)?;
                let value = match resolved {
                    // JSON as written: `5.0` stays a float, as the JSON decoder keeps it.
                    Scalar::Float(f) if json => Number::from_f64(f)
                        .map(Value::Number)
                        .ok_or_else(|| fail("JSON has no NaN or infinity".into()))?,
                    resolved => resolved.to_json().map_err(&fail)?,
                };
                let (at, key) = next_pointer(&mut stack);
                if let Some(key) = &key {
                    spans.insert_key(at.clone(), key.span);
                }
                spans.insert(at, here);
                attach(&mut stack, &mut root, key, value).map_err(|(message, offset)| Problem {
                    offset: offset.unwrap_or(start),
                    message,
                    help: SYNTAX_HELP,
                })?;
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    return Err(fail(
                        "a mapping or a sequence cannot be a mapping key (kubectl: invalid map key)"
                            .into(),
                    ));
                }
                let (at, key) = next_pointer(&mut stack);
                if let Some(key) = &key {
                    spans.insert_key(at.clone(), key.span);
                }
                spans.insert(
                    at.clone(),
                    key.as_ref().map_or_else(|| (start, 1).into(), |k| k.span),
                );
                // The key goes back on the parent frame until the collection ends.
                if let (Some(key), Some(Frame::Map { key: slot, .. })) = (key, stack.last_mut()) {
                    *slot = Some(key);
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map {
                        at,
                        map: Map::new(),
                        key: None,
                        written: HashMap::new(),
                    }
                } else {
                    Frame::Seq {
                        at,
                        items: Vec::new(),
                    }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let value = match stack.pop() {
                    Some(Frame::Map { map, .. }) => Value::Object(map),
                    Some(Frame::Seq { items, .. }) => Value::Array(items),
                    None => Value::Null,
                };
                let key = match stack.last_mut() {
                    Some(Frame::Map { key, .. }) => key.take(),
                    _ => None,
                };
                attach(&mut stack, &mut root, key, value).map_err(|(message, offset)| Problem {
                    offset: offset.unwrap_or(start),
                    message,
                    help: SYNTAX_HELP,
                })?;
            }
            _ => {}
        }
    }
}

/// The one document of a text (null when it has none), as kubectl reads it: for YAML
/// written inside other files (a KDL `patch`).
pub fn value(text: &str) -> Result<Value, Problem> {
    let mut documents = documents(text)?;
    match documents.len() {
        0 => Ok(Value::Null),
        1 => Ok(documents.remove(0).value),
        _ => Err(Problem {
            offset: 0,
            message: "more than one YAML document".into(),
            help: "write one mapping, without `---`",
        }),
    }
}

/// The pointer of the value that comes next in the innermost collection, and its key when
/// it is a mapping value (taken from the frame).
fn next_pointer(stack: &mut [Frame]) -> (String, Option<Key>) {
    match stack.last_mut() {
        None => (String::new(), None),
        Some(Frame::Seq { at, items }) => (pointer(at, items.len()), None),
        Some(Frame::Map { at, key, .. }) => match key.take() {
            Some(key) => (pointer(at, &key.name), Some(key)),
            None => (pointer(at, "?"), None),
        },
    }
}

/// Puts a finished value into its parent: a sequence item, a mapping value (or the
/// mappings a merge key names, `decoder.merge`), or the document's root.
fn attach(
    stack: &mut [Frame],
    root: &mut Option<Value>,
    key: Option<Key>,
    value: Value,
) -> Result<(), (String, Option<usize>)> {
    match stack.last_mut() {
        None => *root = Some(value),
        Some(Frame::Seq { items, .. }) => items.push(value),
        Some(Frame::Map { map, .. }) => {
            let Some(key) = key else {
                return Ok(());
            };
            if !key.merge {
                map.insert(key.name, value);
                return Ok(());
            }
            // Merged in the order written: a key before `<<` is overwritten by the merged
            // one, a key after it wins; in a sequence, earlier mappings take precedence
            // (go-yaml v2 merges them last to first).
            let want_map = || {
                let message = "map merge requires map or sequence of maps as the value";
                (message.to_string(), Some(key.span.offset()))
            };
            match value {
                Value::Object(merged) => map.extend(merged),
                Value::Array(list) => {
                    for item in list.into_iter().rev() {
                        match item {
                            Value::Object(merged) => map.extend(merged),
                            _ => return Err(want_map()),
                        }
                    }
                }
                _ => return Err(want_map()),
            }
        }
    }
    Ok(())
}

/// A YAML stream read document by document into serde visitors, as kubectl reads it,
/// without building a tree: for recordings of hundreds of megabytes. Aliases are replayed;
/// a merge key stops the stream with [`Error::needs_tree`].
pub struct Stream<'i, T: Input> {
    events: Events<'i, T>,
    path: Vec<PathItem>,
}

enum PathItem {
    Key(String),
    Index(usize),
}

impl<'i> Stream<'i, StrInput<'i>> {
    /// A stream over a string.
    pub fn from_text(text: &'i str) -> Self {
        Stream::new(Parser::new_from_str(text))
    }
}

impl<'i, T: Input> Stream<'i, T> {
    /// A stream over any saphyr parser (a `BufferedInput` of characters read from a file).
    pub fn new(parser: Parser<'i, T>) -> Self {
        Stream {
            events: Events::new(parser),
            path: Vec::new(),
        }
    }

    /// Moves to the next document: `true` when there is one, ready to deserialize from
    /// `&mut self`; call [`Stream::end_document`] after it.
    pub fn next_document(&mut self) -> Result<bool, Error> {
        loop {
            let (event, _) = self.events.next()?;
            match event {
                Event::DocumentStart(_) => return Ok(true),
                Event::StreamEnd => return Ok(false),
                _ => {}
            }
        }
    }

    /// Skips what the visitor left of the document, to its end.
    pub fn end_document(&mut self) -> Result<(), Error> {
        self.path.clear();
        loop {
            let (event, _) = self.events.next()?;
            if matches!(event, Event::DocumentEnd | Event::StreamEnd) {
                return Ok(());
            }
        }
    }

    fn path(&self) -> String {
        let mut out = String::new();
        for item in &self.path {
            match item {
                PathItem::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathItem::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Gives an error without a position the position of `span` and the current path.
    fn locate(&self, mut e: Error, span: &saphyr_parser::Span) -> Error {
        if e.location.is_none() {
            e = e.at(span);
            e.path = Some(self.path());
        }
        e
    }

    /// Skips one node (for `IgnoredAny`) without resolving its scalars.
    fn skip(&mut self) -> Result<(), Error> {
        let mut open = 0usize;
        loop {
            let (event, _) = self.events.next()?;
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => open += 1,
                Event::MappingEnd | Event::SequenceEnd => open = open.saturating_sub(1),
                Event::StreamEnd | Event::DocumentEnd => {
                    return Err(Error::new("unexpected end of the document"));
                }
                _ => {}
            }
            if open == 0 {
                return Ok(());
            }
        }
    }
}

/// Visits a resolved scalar; a plain scalar that YAML 1.1 made a boolean or a number and
/// that the visitor refuses gets a note saying so.
fn visit_scalar<'de, V: Visitor<'de>>(
    visitor: V,
    scalar: Scalar<'_>,
    plain: Option<&str>,
) -> Result<V::Value, Error> {
    // Said when the text does not already show the value (`3`, `true` do).
    let note = |e: Error, scalar: &Scalar| match plain {
        Some(text)
            if !matches!(scalar, Scalar::Str(_) | Scalar::Null)
                && scalar.to_json().map(|v| v.to_string()).as_deref() != Ok(text) =>
        {
            let meaning = scalar.describe();
            // The fix is said once: a message that already says to quote the value
            // (a label's) is not told again.
            let fix = if e.message.contains("quote it") {
                ""
            } else {
                ": quote it"
            };
            Error::new(format!(
                "{}; kubectl reads the unquoted `{text}` as {meaning} (YAML 1.1){fix}",
                e.message
            ))
        }
        _ => e,
    };
    match &scalar {
        Scalar::Null => visitor.visit_unit(),
        Scalar::Bool(b) => visitor.visit_bool(*b).map_err(|e| note(e, &scalar)),
        Scalar::Int(i) => visitor.visit_i64(*i).map_err(|e| note(e, &scalar)),
        Scalar::Uint(u) => visitor.visit_u64(*u).map_err(|e| note(e, &scalar)),
        Scalar::Float(_) | Scalar::Big(_) => match scalar.to_json().map_err(Error::new)? {
            Value::Number(n) => {
                let result = if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or_default())
                };
                result.map_err(|e| note(e, &scalar))
            }
            _ => visitor.visit_unit(),
        },
        Scalar::Str(s) => visitor.visit_str(s),
    }
}

impl<'de, T: Input> de::Deserializer<'de> for &mut Stream<'_, T> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (event, span) = self.events.next()?;
        match event {
            Event::Scalar(text, style, _, tag) => {
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let scalar = resolve(Cow::Borrowed(text.as_ref()), style, tag.as_deref())
                    .map_err(|m| self.locate(Error::new(m), &span))?;
                visit_scalar(visitor, scalar, plain.then_some(text.as_ref()))
                    .map_err(|e| self.locate(e, &span))
            }
            Event::MappingStart(..) => {
                let mut access = StreamMap {
                    stream: &mut *self,
                    key: None,
                    done: false,
                };
                let value = visitor.visit_map(&mut access);
                let done = access.done;
                let value = value.map_err(|e| self.locate(e, &span))?;
                if !done {
                    while !matches!(self.events.peek()?.0, Event::MappingEnd) {
                        self.skip()?;
                    }
                    self.events.next()?;
                }
                Ok(value)
            }
            Event::SequenceStart(..) => {
                let mut access = StreamSeq {
                    stream: &mut *self,
                    index: 0,
                    done: false,
                };
                let value = visitor.visit_seq(&mut access);
                let done = access.done;
                let value = value.map_err(|e| self.locate(e, &span))?;
                if !done {
                    while !matches!(self.events.peek()?.0, Event::SequenceEnd) {
                        self.skip()?;
                    }
                    self.events.next()?;
                }
                Ok(value)
            }
            _ => Err(Error::new("unexpected end of the document").at(&span)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let null = match &self.events.peek()?.0 {
            Event::Scalar(text, style, _, tag) => matches!(
                resolve(Cow::Borrowed(text.as_ref()), *style, tag.as_deref()),
                Ok(Scalar::Null)
            ),
            _ => false,
        };
        if null {
            self.events.next()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

struct StreamMap<'s, 'i, T: Input> {
    stream: &'s mut Stream<'i, T>,
    key: Option<String>,
    done: bool,
}

impl<'de, T: Input> MapAccess<'de> for &mut StreamMap<'_, '_, T> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.done {
            return Ok(None);
        }
        let (event, span) = self.stream.events.next()?;
        let key = match event {
            Event::MappingEnd => {
                self.done = true;
                return Ok(None);
            }
            Event::Scalar(text, style, _, tag) => {
                if is_merge(&text, style, tag.as_deref()) {
                    let mut e = Error::new("merge keys (`<<`) are read whole").at(&span);
                    e.needs_tree = true;
                    return Err(e);
                }
                resolve(text, style, tag.as_deref())
                    .and_then(|s| s.key())
                    .map_err(|m| self.stream.locate(Error::new(m), &span))?
            }
            _ => {
                return Err(self.stream.locate(
                    Error::new("a mapping or a sequence cannot be a mapping key (kubectl: invalid map key)"),
                    &span,
                ));
            }
        };
        let result = seed.deserialize(key.as_str().into_deserializer());
        self.key = Some(key);
        result.map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let key = self.key.take().unwrap_or_default();
        self.stream.path.push(PathItem::Key(key));
        let value = seed.deserialize(&mut *self.stream);
        self.stream.path.pop();
        value
    }
}

struct StreamSeq<'s, 'i, T: Input> {
    stream: &'s mut Stream<'i, T>,
    index: usize,
    done: bool,
}

impl<'de, T: Input> SeqAccess<'de> for &mut StreamSeq<'_, '_, T> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        if self.done {
            return Ok(None);
        }
        if matches!(self.stream.events.peek()?.0, Event::SequenceEnd) {
            self.stream.events.next()?;
            self.done = true;
            return Ok(None);
        }
        self.stream.path.push(PathItem::Index(self.index));
        self.index += 1;
        let value = seed.deserialize(&mut *self.stream);
        self.stream.path.pop();
        value.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-yaml v2's `resolve` as `YAMLToJSON` hands it on, from the upstream tables
    /// (`decode_test.go` `unmarshalTests` into `interface{}`, the `resolveMapList`) and the
    /// cases of this issue. Each row: the plain scalar, the JSON kubectl sends.
    #[rustfmt::skip]
    const PLAIN: &[(&str, &str)] = &[
        // Booleans, YAML 1.1 (resolveMapList).
        ("y", "true"), ("Y", "true"), ("yes", "true"), ("Yes", "true"), ("YES", "true"),
        ("true", "true"), ("True", "true"), ("TRUE", "true"),
        ("on", "true"), ("On", "true"), ("ON", "true"),
        ("n", "false"), ("N", "false"), ("no", "false"), ("No", "false"), ("NO", "false"),
        ("false", "false"), ("False", "false"), ("FALSE", "false"),
        ("off", "false"), ("Off", "false"), ("OFF", "false"),
        ("yES", "\"yES\""), ("oN", "\"oN\""), ("tRUE", "\"tRUE\""),
        // Nulls.
        ("", "null"), ("~", "null"), ("null", "null"), ("Null", "null"), ("NULL", "null"),
        ("nULL", "\"nULL\""),
        // Ints (decode_test "Ints from spec" and the simple values).
        ("10", "10"), ("-10", "-10"), ("0b10", "2"), ("0xA", "10"), ("4294967296", "4294967296"),
        ("685230", "685230"), ("+685_230", "685230"), ("02472256", "685230"),
        ("0x_0A_74_AE", "685230"), ("0b1010_0111_0100_1010_1110", "685230"),
        ("-0b101010", "-42"),
        ("-0b1000000000000000000000000000000000000000000000000000000000000000", "-9223372036854775808"),
        ("9223372036854775807", "9223372036854775807"),
        ("9223372036854775808", "9223372036854775808"),
        ("18446744073709551615", "18446744073709551615"),
        ("0644", "420"), ("0600", "384"), ("0o644", "420"), ("0O644", "420"), ("0X1F", "31"),
        ("0x1F", "31"), ("1_000", "1000"), ("+0x1F", "31"), ("-0x1F", "-31"), ("0", "0"),
        ("-0", "0"), ("00", "0"),
        // Floats ("Floats from spec"; whole ones arrive as integers).
        ("0.1", "0.1"), (".1", "0.1"), ("-.1", "-0.1"), ("6.8523e+5", "685230"),
        ("685.230_15e+03", "685230.15"), ("685_230.15", "685230.15"), ("123456e1", "1234560"),
        ("123456E1", "1234560"), ("1e3", "1000"), (".5", "0.5"), ("1.", "1"), ("1.0", "1"),
        ("+.5", "0.5"), ("08", "8"), ("09.5", "9.5"), ("99999999999999999999", "1e+20"),
        // Strings: base 60 is unsupported, timestamps stay their text into interface{}.
        ("1:1", "\"1:1\""), ("190:20:30", "\"190:20:30\""), ("2015-01-01", "\"2015-01-01\""),
        ("2015-02-24T18:19:39Z", "\"2015-02-24T18:19:39Z\""), ("-b_c", "\"-b_c\""),
        ("+b_c", "\"+b_c\""), ("50cent_of_dollar", "\"50cent_of_dollar\""),
        ("0b", "\"0b\""), ("0x", "\"0x\""), ("0b2", "\"0b2\""), ("1e400", "\"1e400\""),
        ("+", "\"+\""), ("-", "\"-\""), ("._5", "\"._5\""), (".", "\".\""), ("_1", "\"_1\""),
        ("<<", "\"<<\""), ("hi", "\"hi\""), ("3s", "\"3s\""), ("1.2.3.4", "\"1.2.3.4\""),
        ("0x1g", "\"0x1g\""), ("12Mi", "\"12Mi\""),
    ];

    #[test]
    fn plain_scalars_resolve_as_go_yaml_v2() {
        for (text, json) in PLAIN {
            let got = resolve_plain(text).to_json().map(|v| v.to_string());
            assert_eq!(got.as_deref(), Ok(*json), "plain `{text}`");
        }
    }

    #[test]
    fn special_floats_cannot_be_sent() {
        for text in [".inf", ".Inf", "+.INF", "-.inf", ".nan", ".NaN"] {
            assert!(resolve_plain(text).to_json().is_err(), "{text}");
        }
        assert_eq!(go_parse_float(".5_5"), Some(0.55));
    }

    #[test]
    fn quoted_block_and_tagged_scalars() {
        let string = |t: &str| serde_json::json!(t);
        let read = |text: &str| documents(text).unwrap()[0].value["v"].clone();
        assert_eq!(read("v: 'yes'"), string("yes"));
        assert_eq!(read("v: \"0644\""), string("0644"));
        assert_eq!(read("v: |\n  on\n"), string("on\n"));
        assert_eq!(read("v: !!str 1"), string("1"));
        assert_eq!(read("v: !!float '1.1'"), serde_json::json!(1.1));
        assert_eq!(read("v: !!float 0"), serde_json::json!(0));
        assert_eq!(read("v: !!null ''"), Value::Null);
        assert_eq!(read("v: ! test"), string("test"));
        assert_eq!(read("v: !!int '0644'"), serde_json::json!(420));
        assert_eq!(read("v: !!binary gIGC"), string("\u{FFFD}\u{FFFD}\u{FFFD}"));
        assert_eq!(
            read("%TAG !y! tag:yaml.org,2002:\n---\nv: !y!int '1'"),
            serde_json::json!(1)
        );
        assert!(documents("v: !!int x").is_err());
    }

    #[test]
    fn keys_become_strings_as_yaml_to_json_makes_them() {
        let doc = documents("1: a\n0x1F: b\n1.5: c\non: e\n1e6: f\n0.1: g\n.inf: h\n").unwrap();
        let mut keys: Vec<&String> = doc[0].value.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, [".inf", "0.1", "1", "1.5", "1e+06", "31", "true"]);
        // Two keys that resolve alike are one key given twice; a merged key is not.
        let twice = documents("a: 1\nyes: d\non: e\n").unwrap_err();
        assert_eq!(
            (twice.offset, &twice.message[..46]),
            (12, "mapping key on (read as \"true\") already given ")
        );
        assert!(documents("a: 1\nb: {x: 1}\nb: 2\n").is_err());
        assert!(documents("- {a: 1}\n- {a: 2}\n- &m {a: 3}\n- {<<: *m, a: 4}\n").is_ok());
        for bad in ["~: x", "null: x", "18446744073709551615: x", "[a]: x"] {
            assert!(documents(bad).is_err(), "{bad}");
        }
        assert_eq!(go_format_float32(1.23456789), "1.2345679");
        assert_eq!(go_format_float32(1234567.0), "1.234567e+06");
        assert_eq!(go_format_float32(100000.0), "100000");
        assert_eq!(go_format_float32(0.00001), "1e-05");
        assert_eq!(go_format_float32(0.0001), "0.0001");
        assert_eq!(go_format_float32(0.0), "0");
    }

    #[test]
    fn anchors_aliases_and_merges() {
        let doc = documents(
            "base: &b {x: 1, p: 2}\nm:\n  p: 0\n  <<: *b\n  x: 9\nl: &l [on, off]\nc: *l\nq:\n  <<: [{a: 1}, {a: 2, b: 2}]\n",
        )
        .unwrap();
        let v = &doc[0].value;
        assert_eq!(v["m"], serde_json::json!({"x": 9, "p": 2}));
        assert_eq!(v["c"], serde_json::json!([true, false]));
        assert_eq!(v["q"], serde_json::json!({"a": 1, "b": 2}));
        assert!(documents("a: &a [*a]").is_err());
        let laughs = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
        assert!(documents(laughs).is_err());
    }

    #[test]
    fn positions_follow_json_pointers() {
        let text = "a: 1\nb:\n  - x\n  - {c: d}\n---\ne: f\n";
        let file = crate::source::SourceFile::new("a.yaml", text);
        let docs = documents(text).unwrap();
        assert_eq!(docs.len(), 2);
        let at = |d: usize, p: &str| file.line_column(docs[d].spans.get_exact(p).unwrap().offset());
        assert_eq!(at(0, "/a"), (1, 4));
        assert_eq!(at(0, "/b"), (2, 1));
        assert_eq!(at(0, "/b/0"), (3, 5));
        assert_eq!(at(0, "/b/1/c"), (4, 9));
        assert_eq!(at(1, "/e"), (6, 4));
        let key = |d: usize, p: &str| file.line_column(docs[d].spans.key(p).unwrap().offset());
        assert_eq!(key(0, "/a"), (1, 1));
        assert_eq!(key(0, "/b/1/c"), (4, 6));
        assert_eq!(
            key(0, "/b/0"),
            (3, 5),
            "a sequence item has no key: its value"
        );
    }

    #[test]
    fn a_stream_resolves_like_the_tree() {
        use serde::Deserialize;
        let text = "a: yes\nb: '0644'\nc: 0644\nd: [~, .5]\ne: &x {f: on}\ng: *x\n---\nh: 1\n";
        let mut stream = Stream::from_text(text);
        let mut values = Vec::new();
        while stream.next_document().unwrap() {
            values.push(Value::deserialize(&mut stream).unwrap());
            stream.end_document().unwrap();
        }
        let tree: Vec<Value> = documents(text)
            .unwrap()
            .into_iter()
            .map(|d| d.value)
            .collect();
        assert_eq!(values, tree);
        assert_eq!(values[0]["c"], 420);

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Labels {
            labels: std::collections::BTreeMap<String, String>,
        }
        let mut stream = Stream::from_text("labels:\n  a: x\n  gpu: yes\n");
        assert!(stream.next_document().unwrap());
        let e = Labels::deserialize(&mut stream).unwrap_err();
        assert_eq!(e.location, Some((3, 8)));
        assert_eq!(
            e.to_string(),
            "labels.gpu: invalid type: boolean `true`, expected a string; kubectl reads the unquoted `yes` as the boolean true (YAML 1.1): quote it"
        );
        let mut stream = Stream::from_text("a:\n  <<: {b: 1}\n");
        assert!(stream.next_document().unwrap());
        assert!(Value::deserialize(&mut stream).unwrap_err().needs_tree);
    }

    #[test]
    fn whole_floats_are_integers_in_yaml_and_floats_in_json() {
        assert!(documents("a: 5.0\n").unwrap()[0].value["a"].is_i64());
        assert!(documents(" {\"a\": 5.0}").unwrap()[0].value["a"].is_f64());
    }

    #[test]
    fn strings_kubectl_would_misread_are_quoted() {
        let text = "a: yes\nb: 'true'\nc: 420\nd: 1_000\nyes: on\ne: text\nf: [n, 0.5]\n";
        assert_eq!(
            quote_for_kubectl(text),
            "a: 'yes'\nb: 'true'\nc: 420\nd: '1_000'\n'yes': 'on'\ne: text\nf: ['n', 0.5]\n"
        );
        assert!(matches!(quote_for_kubectl("a: b\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_plain_reading_names_what_kubectl_reads() {
        let text = "a: yes\nb: \"yes\"\nc: 0644\nd: text\ne: true\n";
        let docs = documents(text).unwrap();
        let reading = |p: &str| plain_reading(text, docs[0].spans.get_exact(p).unwrap());
        let yes = reading("/a").unwrap();
        assert_eq!(
            (yes.meaning.as_str(), yes.yaml11_only),
            ("the boolean true", true)
        );
        assert_eq!(reading("/b"), None);
        assert_eq!(reading("/c").unwrap().meaning, "the number 420");
        assert_eq!(reading("/d"), None);
        assert!(!reading("/e").unwrap().yaml11_only);
        assert_eq!(
            yes.message("gpu", "true is not of type \"string\""),
            "gpu: kubectl reads the unquoted `yes` as the boolean true (YAML 1.1): true is not of type \"string\""
        );
    }
}
