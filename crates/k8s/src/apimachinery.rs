//! Syntax rules of the Kubernetes API server for the primitive values a
//! DaemonSet carries: names, label keys and values, port names and numbers,
//! environment variable names, resource names and `resource.Quantity`.
//!
//! Every function names the upstream function it reproduces. Error strings use
//! upstream's wording (lowercase, no trailing period). Where upstream returns
//! several messages for one value, they are joined with `"; "` in upstream's
//! order.
//!
//! Upstream sources (kubernetes/kubernetes):
//! - `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`
//! - `staging/src/k8s.io/apimachinery/pkg/api/validate/content/{kube,dns,errors}.go`
//! - `staging/src/k8s.io/apimachinery/pkg/api/resource/{quantity,suffix,amount}.go`
//! - `pkg/apis/core/validation/validation.go`, `pkg/apis/core/helper/helpers.go`
//!
//! Only `std` is used.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

// ---------------------------------------------------------------------------
// Message helpers
// ---------------------------------------------------------------------------

/// `MaxLenError` of `util/validation` (still says "characters").
fn max_len_characters(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `MaxLenError` of `api/validate/content` (says "bytes" since the move of the
/// label rules into that package).
fn max_len_bytes(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

/// Builds a message the way upstream's `RegexError` does, including its
/// peculiar example separator (`"'a',  or 'b', "`: a comma, then two spaces).
fn regex_message(what: &str, pattern: &str, examples: &[&str]) -> String {
    let mut out = String::from(what);
    if examples.is_empty() {
        out.push_str(" (regex used for validation is '");
    } else {
        out.push_str(" (e.g. ");
        for (i, example) in examples.iter().enumerate() {
            if i > 0 {
                out.push_str(" or ");
            }
            out.push('\'');
            out.push_str(example);
            out.push_str("', ");
        }
        out.push_str("regex used for validation is '");
    }
    out.push_str(pattern);
    out.push_str("')");
    out
}

fn into_result(errs: Vec<String>) -> Result<(), String> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

// ---------------------------------------------------------------------------
// Hand-written equivalents of upstream's anchored regular expressions
// ---------------------------------------------------------------------------

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const LABEL_KEY_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const ENV_VAR_NAME_FMT: &str = "[-._a-zA-Z][-._a-zA-Z0-9]*";

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const ENV_VAR_NAME_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const RELAXED_ENV_VAR_NAME_MSG: &str = "a valid environment variable name must consist only of printable ASCII characters other than '='";

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

/// `^label(\.label)*$`: every dot-separated piece is a non-empty label.
fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
fn matches_label_key_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

/// Mirrors `IsDNS1123Label` (apimachinery `util/validation`), the rule for
/// container names and namespaces: at most 63 characters of `[a-z0-9-]`,
/// alphanumeric at both ends. A value that would be a valid subdomain gets the
/// shorter upstream message "must not contain dots".
pub fn dns1123_label(s: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_characters(63));
    }
    if !matches_dns1123_label(s) {
        if matches_dns1123_subdomain(s) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_message(
                DNS1123_LABEL_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    into_result(errs)
}

/// Mirrors `IsDNS1123Subdomain` (apimachinery `util/validation`), the rule for
/// `metadata.name` of a DaemonSet: at most 253 characters, DNS-1123 labels
/// joined by '.'.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len_characters(253));
    }
    if !matches_dns1123_subdomain(s) {
        errs.push(regex_message(
            DNS1123_SUBDOMAIN_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    into_result(errs)
}

/// The content-package variant of `IsDNS1123Subdomain`, used for the prefix of
/// a label key; it reports length in bytes.
fn label_key_prefix_errors(prefix: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if prefix.len() > 253 {
        errs.push(format!("prefix part {}", max_len_bytes(253)));
    }
    if !matches_dns1123_subdomain(prefix) {
        errs.push(format!(
            "prefix part {}",
            regex_message(
                DNS1123_SUBDOMAIN_MSG,
                DNS1123_SUBDOMAIN_FMT,
                &["example.com"]
            )
        ));
    }
    errs
}

/// Mirrors `IsLabelKey` (apimachinery `api/validate/content`; the old
/// `IsQualifiedName` is now an alias of it). Used for label keys, annotation
/// keys, selector keys and toleration keys: an optional DNS-1123 subdomain
/// prefix (at most 253) and '/', then a name of 1 to 63 characters from
/// `[A-Za-z0-9-_.]`, alphanumeric at both ends. More than one '/' is invalid.
pub fn label_key(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('/').collect();
    let mut errs = Vec::new();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(label_key_prefix_errors(prefix));
            }
            *name
        }
        _ => {
            return Err(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_message(
                    LABEL_KEY_MSG,
                    LABEL_KEY_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_bytes(63)));
    }
    if !matches_label_key_name(name) {
        errs.push(format!(
            "name part {}",
            regex_message(
                LABEL_KEY_MSG,
                LABEL_KEY_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    into_result(errs)
}

/// Mirrors `IsLabelValue` (apimachinery `api/validate/content`; formerly
/// `IsValidLabelValue`). Used for label values, selector values (also for
/// NotIn and Gt/Lt in node affinity) and toleration values: empty, or at most
/// 63 characters of `[A-Za-z0-9-_.]`, alphanumeric at both ends. So "-1" and
/// "+5" are invalid.
pub fn label_value(s: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_bytes(63));
    }
    if !(s.is_empty() || matches_label_key_name(s)) {
        errs.push(regex_message(
            LABEL_VALUE_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    into_result(errs)
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

/// Mirrors `IsValidPortName` (IANA_SVC_NAME, RFC 6335, lowercase only): at
/// most 15 characters of `[a-z0-9-]`, at least one letter, no leading or
/// trailing '-', no "--". Every failing check contributes a message, as
/// upstream does. Upstream only calls it for a non-empty `ports[].name`; an
/// empty string is reported invalid here, so skip empty names at the call site.
pub fn port_name(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut errs = Vec::new();
    if b.len() > 15 {
        errs.push(max_len_characters(15));
    }
    if b.is_empty() || !b.iter().all(|&c| is_lower_alnum(c) || c == b'-') {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if s.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    into_result(errs)
}

/// Mirrors `IsValidPortNum`, used for `containerPort`: 1 to 65535.
pub fn port_number(n: i64) -> Result<(), String> {
    if (1..=65535).contains(&n) {
        Ok(())
    } else {
        Err("must be between 1 and 65535, inclusive".to_string())
    }
}

/// Mirrors `validateContainerPorts`' hostPort rule: 0 means "not set" and is
/// accepted; any other value goes through `IsValidPortNum`, so the message for
/// a bad host port is the same "must be between 1 and 65535, inclusive".
pub fn host_port_number(n: i64) -> Result<(), String> {
    if n == 0 { Ok(()) } else { port_number(n) }
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

/// `validatePathNoBacksteps` (pkg/apis/core/validation): a `..` element between slashes.
/// The API server runs on Linux, where `filepath.ToSlash` changes nothing: a backslash
/// is not a separator (`C:\..\x` has no backstep).
pub fn has_backsteps(path: &str) -> bool {
    path.split('/').any(|part| part == "..")
}

/// `validateLocalDescendingPath` (pkg/apis/core/validation): why `path` is not a relative
/// path that stays below its root, in upstream's words (empty when it is).
pub fn local_descending_path(path: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if path.starts_with('/') {
        problems.push("must be a relative path");
    }
    if has_backsteps(path) {
        problems.push("must not contain '..'");
    }
    problems
}

// ---------------------------------------------------------------------------
// Environment variables
// ---------------------------------------------------------------------------

/// Mirrors `IsRelaxedEnvVarName`, which is what the API server applies to
/// `env[].name` (and `envFrom[].prefix`) today: the RelaxedEnvironmentVariable
/// Validation gate is on by default since v1.32 and GA (locked on) since v1.34.
/// The name must be non-empty and consist only of printable ASCII (0x20..=0x7E)
/// other than '='. For servers older than v1.32 use [`env_var_name_strict`].
pub fn env_var_name(s: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if s.is_empty() {
        errs.push("environment variable name must be non-empty".to_string());
    }
    if s.chars().any(|c| !(' '..='~').contains(&c) || c == '=') {
        errs.push(RELAXED_ENV_VAR_NAME_MSG.to_string());
    }
    into_result(errs)
}

/// Mirrors `IsEnvVarName`, the strict rule the API server used before
/// v1.32 (and still names in its code): `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not
/// ".", ".." or starting with "..".
pub fn env_var_name_strict(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok_char = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_';
    let mut errs = Vec::new();
    let matches = match b.first() {
        Some(&first) => !first.is_ascii_digit() && b.iter().all(|&c| ok_char(c)),
        None => false,
    };
    if !matches {
        errs.push(regex_message(
            ENV_VAR_NAME_MSG,
            ENV_VAR_NAME_FMT,
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    if s == "." {
        errs.push("must not be '.'".to_string());
    } else if s == ".." {
        errs.push("must not be '..'".to_string());
    } else if s.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    into_result(errs)
}

// ---------------------------------------------------------------------------
// Resource names
// ---------------------------------------------------------------------------

/// `standardResources` of `pkg/apis/core/helper`: names without '/' that
/// `validateResourceName` accepts.
const STANDARD_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
];

/// `standardContainerResources`, plus any `hugepages-` name
/// (`IsStandardContainerResourceName`).
const STANDARD_CONTAINER_RESOURCES: &[&str] = &["cpu", "memory", "ephemeral-storage"];

fn is_native_resource(s: &str) -> bool {
    !s.contains('/') || s.contains("kubernetes.io/")
}

/// Mirrors `IsExtendedResourceName`: outside the `kubernetes.io/` namespace,
/// not starting with "requests.", and still a valid label key once
/// "requests." is put in front (so its prefix may be at most 244 long).
/// Extended resources must be whole numbers and need requests equal to limits.
pub fn is_extended_resource_name(s: &str) -> bool {
    !is_native_resource(s)
        && !s.starts_with("requests.")
        && label_key(&format!("requests.{s}")).is_ok()
}

/// Mirrors `IsOvercommitAllowed`: a request may be below its limit only for
/// native resources other than hugepages; for the others
/// (hugepages-*, extended resources) requests must equal limits.
pub fn overcommit_allowed(s: &str) -> bool {
    is_native_resource(s) && !s.starts_with("hugepages-")
}

/// Mirrors `validateContainerResourceName` (pkg/apis/core/validation), the
/// check on every key of `resources.requests` / `resources.limits`: the key
/// must be a label key (`validateResourceName`); without a '/', it must be
/// cpu, memory, ephemeral-storage or start with "hugepages-"; with a '/', it
/// must be in a `kubernetes.io/` namespace or be an extended resource name like
/// `nvidia.com/gpu`. Messages accumulate as upstream's do. The page size in a
/// `hugepages-<size>` name is not checked here (upstream checks it together
/// with the value).
pub fn resource_name(s: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    match label_key(s) {
        Err(e) => errs.push(e),
        Ok(()) => {
            if !s.contains('/')
                && !STANDARD_RESOURCES.contains(&s)
                && !s.starts_with("hugepages-")
                && !s.starts_with("requests.hugepages-")
            {
                errs.push("must be a standard resource type or fully qualified".to_string());
            }
        }
    }
    if !s.contains('/') {
        if !(STANDARD_CONTAINER_RESOURCES.contains(&s) || s.starts_with("hugepages-")) {
            errs.push("must be a standard resource for containers".to_string());
        }
    } else if !is_native_resource(s) && !is_extended_resource_name(s) {
        errs.push("doesn't follow extended resource name standard".to_string());
    }
    into_result(errs)
}

// ---------------------------------------------------------------------------
// Quantity
// ---------------------------------------------------------------------------

const ERR_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_NUMERIC: &str = "unable to parse numeric part of quantity";
const ERR_SUFFIX: &str = "unable to parse quantity's suffix";

/// Largest number of significant decimal digits everynode keeps (fits i128).
/// Upstream has no such limit; nobody writes quantities that long.
const MAX_SIGNIFICANT_DIGITS: usize = 38;

/// 2^63 - 1: the cap upstream applies to binary-SI quantities at parse time.
const BINARY_CAP: &[u8; 19] = b"9223372036854775807";

/// The three serialization families of upstream's `resource.Format`. The
/// family is remembered from the input's suffix and decides how
/// [`Quantity::canonical`] prints the value; it never affects comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityFormat {
    /// `1e3`, `12E6`: a decimal exponent.
    DecimalExponent,
    /// `Ki Mi Gi Ti Pi Ei`: powers of 1024.
    BinarySI,
    /// `n u m "" k M G T P E`: powers of 1000.
    DecimalSI,
}

/// A parsed `resource.Quantity`, held exactly: the value is
/// `coef * 10^exp` with `coef` free of trailing zeros (zero is `0 * 10^0`), so
/// every value has exactly one representation. The format family is kept for
/// printing only.
///
/// `PartialEq`, `Eq`, `Ord` and `Hash` are written by hand and look at the
/// numeric value only (like upstream's `Cmp`), so `"1Gi" > "1G"`,
/// `"500m" == "0.5"` and `"1k" == "1e3"` hold.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    coef: i128,
    exp: i64,
    format: QuantityFormat,
}

/// How upstream's `ParseQuantity` handled an input: the int64 fast path (which
/// may cache the input string verbatim and print it back unchanged) or the
/// arbitrary-precision path.
#[derive(Debug, Clone, Copy)]
struct ParseInfo {
    fast: bool,
    /// Decimal scale of the int64 amount on the fast path.
    scale: i64,
    /// The input string is what `String()` will return.
    cached: bool,
}

struct Pieces<'a> {
    negative: bool,
    /// Integer digits after leading zeros were removed (may be empty).
    num: &'a str,
    /// Fraction digits (may be empty, also for "1.").
    denom: &'a str,
    suffix: &'a str,
    /// Whether the numeric part holds at least one digit.
    has_digit: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Ten,
    Two,
}

/// Mirrors `parseQuantityString`: optional sign, digits, optional '.' and
/// digits, then suffix letters from `eEinumkKMGTP`, an optional sign and
/// digits, and nothing else. Note that it accepts an empty number ("Mi", ".",
/// "+") and leaves the suffix to `interpret_suffix`.
fn split_quantity(s: &str) -> Option<Pieces<'_>> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut negative = false;
    match b.first() {
        Some(b'-') => {
            negative = true;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos == end {
        // Only a sign and zeros: upstream returns the number "0" right away.
        return Some(Pieces {
            negative,
            num: "",
            denom: "",
            suffix: "",
            has_digit: true,
        });
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = &s[num_start..pos];
    let mut denom = "";
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &s[start..pos];
    }
    let has_digit = b[..pos].iter().any(u8::is_ascii_digit);
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return None;
    }
    Some(Pieces {
        negative,
        num,
        denom,
        suffix: &s[suffix_start..],
        has_digit,
    })
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, at least one digit.
fn parse_go_int64(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 19 {
        return None;
    }
    let magnitude: i128 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Mirrors the suffix interpretation of `suffix.go`: the decimal and binary
/// tables, else `e`/`E` followed by a Go int64. Exponents beyond +-(2^31 - 1)
/// are rejected, as the newest upstream does (older versions truncated them to
/// int32 and silently produced an unrelated value).
fn interpret_suffix(suffix: &str) -> Option<(Base, i64, QuantityFormat)> {
    use QuantityFormat::*;
    let found = match suffix {
        "" => (Base::Ten, 0, DecimalSI),
        "n" => (Base::Ten, -9, DecimalSI),
        "u" => (Base::Ten, -6, DecimalSI),
        "m" => (Base::Ten, -3, DecimalSI),
        "k" => (Base::Ten, 3, DecimalSI),
        "M" => (Base::Ten, 6, DecimalSI),
        "G" => (Base::Ten, 9, DecimalSI),
        "T" => (Base::Ten, 12, DecimalSI),
        "P" => (Base::Ten, 15, DecimalSI),
        "E" => (Base::Ten, 18, DecimalSI),
        "Ki" => (Base::Two, 10, BinarySI),
        "Mi" => (Base::Two, 20, BinarySI),
        "Gi" => (Base::Two, 30, BinarySI),
        "Ti" => (Base::Two, 40, BinarySI),
        "Pi" => (Base::Two, 50, BinarySI),
        "Ei" => (Base::Two, 60, BinarySI),
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            let exponent = parse_go_int64(rest)?;
            if exponent.unsigned_abs() > i32::MAX as u64 {
                return None;
            }
            (Base::Ten, exponent, DecimalExponent)
        }
    };
    Some(found)
}

/// Multiplies a big-endian decimal digit string by two.
fn double_digits(digits: &mut Vec<u8>) {
    let mut carry = 0;
    for d in digits.iter_mut().rev() {
        let v = *d * 2 + carry;
        *d = v % 10;
        carry = v / 10;
    }
    if carry > 0 {
        digits.insert(0, carry);
    }
}

/// Adds one to a big-endian decimal digit string.
fn increment_digits(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

/// Removes trailing zero digits into the exponent.
fn strip_trailing_zeros(digits: &mut Vec<u8>, exp: &mut i64) {
    let zeros = digits.iter().rev().take_while(|&&d| d == 0).count();
    digits.truncate(digits.len() - zeros);
    *exp += zeros as i64;
}

/// Strips trailing zeros off an i128 significand.
fn normalized(mut coef: i128, mut exp: i64) -> (i128, i64) {
    if coef == 0 {
        return (0, 0);
    }
    while coef % 10 == 0 {
        coef /= 10;
        exp += 1;
    }
    (coef, exp)
}

fn decimal_si_suffix(e3: i64) -> Option<&'static str> {
    Some(match e3 {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// Upstream's `AsCanonicalBytes` + suffix: the exponent is lowered to a
/// multiple of three (padding the digits with zeros); DecimalSI prints the SI
/// suffix, anything else (or an exponent outside n..E) prints `e<exp>`.
fn decimal_string(negative: bool, magnitude: u128, exp: i64, si: bool) -> String {
    let e3 = exp.div_euclid(3) * 3;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&magnitude.to_string());
    for _ in 0..(exp - e3) {
        out.push('0');
    }
    let table = if si {
        decimal_si_suffix(e3)
    } else if e3 == 0 {
        Some("")
    } else {
        None
    };
    match table {
        Some(suffix) => out.push_str(suffix),
        None => out.push_str(&format!("e{e3}")),
    }
    out
}

impl Quantity {
    /// Mirrors `resource.ParseQuantity` exactly, including its quirks:
    ///
    /// - grammar: optional sign; digits with an optional '.' (`"5."`, `".5"`
    ///   and `"."` are numbers); suffix `n u m "" k M G T P E`,
    ///   `Ki Mi Gi Ti Pi Ei`, or `e`/`E` with a signed integer exponent;
    /// - no whitespace anywhere (the API server's JSON decoder trims
    ///   surrounding whitespace first, so to judge what the server accepts,
    ///   parse `s.trim()`);
    /// - an empty number is zero: `"Mi"`, `"k"`, `"+"`, `"."` parse as 0,
    ///   except where upstream takes its slow path (`"Pi"`, `"Ei"`, `"e-10"`),
    ///   which fails with "unable to parse numeric part of quantity";
    /// - values are rounded up (away from zero) to a multiple of 1n;
    /// - binary-SI magnitudes are capped at 2^63-1; a binary-SI value whose
    ///   magnitude is below 1 becomes DecimalSI;
    /// - decimal values are not capped (`"1e100"` is valid). everynode keeps at
    ///   most 38 significant digits and reports longer inputs as an error.
    ///
    /// Error texts are upstream's `ErrFormatWrong`, `ErrNumeric`, `ErrSuffix`.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        parse_with_info(s).map(|(q, _)| q)
    }

    /// Mirrors `Quantity.String()` / `CanonicalizeBytes` of a freshly computed
    /// value (no cached input string): zero is "0"; BinarySI values of
    /// magnitude at least 1024 that are whole numbers print with the largest
    /// power-of-1024 suffix that divides them (`"1024Mi"` -> `"1Gi"`,
    /// `"1.5Gi"` -> `"1536Mi"`, `"1000Ki"` -> `"1000Ki"`); other BinarySI values
    /// print as DecimalSI (`".001Ki"` -> `"1024m"`, `"1.1Mi"` -> `"1153433600m"`);
    /// DecimalSI and DecimalExponent lower the exponent to a multiple of three
    /// and print the SI suffix or `e<n>` (`"0.5"` -> `"500m"`, `"2000m"` -> `"2"`,
    /// `"1e3"` -> `"1e3"`, `"129e6"` -> `"129e6"`). A DecimalSI value beyond the
    /// `E` suffix prints in exponent form (`"1000E"` -> `"1e21"`), as the newest
    /// upstream does; older servers dropped the exponent there.
    ///
    /// What the API server echoes can differ from this for inputs it caches
    /// verbatim and for requests/limits (rounded to milli): see
    /// [`Quantity::server_string`].
    pub fn canonical(&self) -> String {
        if self.coef == 0 {
            return "0".to_string();
        }
        let negative = self.coef < 0;
        let magnitude = self.coef.unsigned_abs();
        match self.format {
            QuantityFormat::DecimalSI => decimal_string(negative, magnitude, self.exp, true),
            QuantityFormat::DecimalExponent => decimal_string(negative, magnitude, self.exp, false),
            QuantityFormat::BinarySI => {
                // Whole value, if it is a whole number that fits.
                let whole = if self.exp >= 0 && self.exp <= 38 {
                    10u128
                        .checked_pow(self.exp as u32)
                        .and_then(|p| magnitude.checked_mul(p))
                } else {
                    None
                };
                match whole {
                    Some(n) if n >= 1024 => {
                        let mut mantissa = n;
                        let mut power = 0usize;
                        while mantissa % 1024 == 0 {
                            mantissa /= 1024;
                            power += 1;
                        }
                        const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
                        match SUFFIXES.get(power) {
                            Some(suffix) => {
                                format!("{}{mantissa}{suffix}", if negative { "-" } else { "" })
                            }
                            // Beyond Ei (unreachable from parse because of the cap).
                            None => decimal_string(negative, magnitude, self.exp, false),
                        }
                    }
                    // Whole but below 1024, or a fraction: shown as DecimalSI.
                    Some(_) => decimal_string(negative, magnitude, self.exp, true),
                    None if self.exp < 0 => decimal_string(negative, magnitude, self.exp, true),
                    None => decimal_string(negative, magnitude, self.exp, false),
                }
            }
        }
    }

    /// The string the API server stores and returns for `input`, mirroring the
    /// decode -> default -> encode round trip:
    ///
    /// 1. `UnmarshalJSON` trims surrounding whitespace, then `ParseQuantity`;
    /// 2. `ParseQuantity` keeps the input string verbatim when its int64 fast
    ///    path judges it canonical, and `String()` then returns it unchanged:
    ///    `"+1"` stays `"+1"`, `"1.441"` stays `"1.441"` (upstream issue
    ///    #138165), `"0100m"` stays `"0100m"`;
    /// 3. with `round_to_milli` (container `resources.requests`/`limits` and
    ///    other `ResourceList`s, via `SetDefaults_ResourceList`), the value is
    ///    rounded up to a multiple of 1m; a verbatim string survives only when
    ///    no rounding was needed at the int64 scale (`RoundUp` semantics).
    ///    `emptyDir.sizeLimit` is not a ResourceList: pass `false`.
    pub fn server_string(input: &str, round_to_milli: bool) -> Result<String, String> {
        let trimmed = input.trim();
        let (mut q, info) = parse_with_info(trimmed)?;
        let mut cached = info.cached;
        if round_to_milli && !(info.fast && info.scale >= -3) {
            cached = false;
            q = q.round_up_milli();
        }
        Ok(if cached {
            trimmed.to_string()
        } else {
            q.canonical()
        })
    }

    /// Mirrors `RoundUp(resource.Milli)`: rounds the magnitude up to a
    /// multiple of 0.001 (away from zero), keeping the format family. This is
    /// what `SetDefaults_ResourceList` does to every request and limit.
    pub fn round_up_milli(&self) -> Quantity {
        if self.coef == 0 || self.exp >= -3 {
            return *self;
        }
        let drop = (-3 - self.exp) as u32;
        let magnitude = self.coef.unsigned_abs();
        let rounded = match 10u128.checked_pow(drop) {
            Some(p) => magnitude / p + u128::from(!magnitude.is_multiple_of(p)),
            None => 1,
        };
        let signed = if self.coef < 0 {
            -(rounded as i128)
        } else {
            rounded as i128
        };
        let (coef, exp) = normalized(signed, -3);
        Quantity {
            coef,
            exp,
            format: self.format,
        }
    }

    /// The format family remembered from the input (after upstream's switch of
    /// sub-unit binary values to DecimalSI).
    pub fn format(&self) -> QuantityFormat {
        self.format
    }

    /// -1, 0 or 1, like upstream's `Sign()`.
    pub fn signum(&self) -> i32 {
        self.coef.signum() as i32
    }

    /// True when the value is zero (`Quantity.IsZero`).
    pub fn is_zero(&self) -> bool {
        self.coef == 0
    }

    /// Compares magnitudes of two non-zero values.
    /// The sum (upstream's `Add`): exact while the significand fits in an i128, which any
    /// sum of requests does; beyond that it saturates. The format is the first's when
    /// both share it, else DecimalSI.
    pub fn add(&self, other: &Quantity) -> Quantity {
        let exp = self.exp.min(other.exp);
        let scaled = |q: &Quantity| -> Option<i128> {
            10i128
                .checked_pow(u32::try_from(q.exp - exp).ok()?)?
                .checked_mul(q.coef)
        };
        let sum = match (scaled(self), scaled(other)) {
            (Some(a), Some(b)) => a.checked_add(b),
            _ => None,
        }
        .unwrap_or(i128::MAX);
        let (coef, exp) = normalized(sum, exp);
        let format = if self.format == other.format {
            self.format
        } else {
            QuantityFormat::DecimalSI
        };
        Quantity { coef, exp, format }
    }

    fn cmp_magnitude(&self, other: &Quantity) -> Ordering {
        let a = self.coef.unsigned_abs().to_string();
        let b = other.coef.unsigned_abs().to_string();
        // Position of the leading digit: value is in [10^(lead-1), 10^lead).
        let lead_a = a.len() as i64 + self.exp;
        let lead_b = b.len() as i64 + other.exp;
        if lead_a != lead_b {
            return lead_a.cmp(&lead_b);
        }
        let width = a.len().max(b.len());
        let pad = |s: &str| -> Vec<u8> {
            let mut v = s.as_bytes().to_vec();
            v.resize(width, b'0');
            v
        };
        pad(&a).cmp(&pad(&b))
    }
}

/// The body of `ParseQuantity`, also reporting which upstream path was taken.
fn parse_with_info(s: &str) -> Result<(Quantity, ParseInfo), String> {
    if s.is_empty() {
        return Err(ERR_FORMAT.to_string());
    }
    if s == "0" {
        let zero = Quantity {
            coef: 0,
            exp: 0,
            format: QuantityFormat::DecimalSI,
        };
        return Ok((
            zero,
            ParseInfo {
                fast: true,
                scale: 0,
                cached: true,
            },
        ));
    }
    let pieces = split_quantity(s).ok_or_else(|| ERR_FORMAT.to_string())?;
    let (base, exponent, mut format) =
        interpret_suffix(pieces.suffix).ok_or_else(|| ERR_SUFFIX.to_string())?;

    // Upstream's int64 fast path and its "already canonical" test. An empty
    // integer part counts as the single digit "0".
    let num_len = pieces.num.len().max(1) as i64;
    let denom_len = pieces.denom.len() as i64;
    let (fast, scale) = match base {
        Base::Ten => {
            let scale = exponent - denom_len;
            (18 - (num_len + denom_len) >= 0 && scale >= -9, scale)
        }
        // precision = 15 - len(num) - exponent*3/10 - 1; denominators and the
        // int64 overflow check never allow it for Pi/Ei.
        Base::Two => (denom_len == 0 && 14 - num_len - 3 * (exponent / 10) >= 0, 0),
    };
    if !fast && !pieces.has_digit {
        // The slow path hands the bare sign/point to a decimal parser.
        return Err(ERR_NUMERIC.to_string());
    }
    let cached = fast && {
        let num = if pieces.num.is_empty() {
            "0"
        } else {
            pieces.num
        };
        let shifted = format!("{num}{}", pieces.denom);
        match base {
            Base::Two => shifted.parse::<u64>().map(|v| v & 7 != 0).unwrap_or(false),
            Base::Ten => scale % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0'),
        }
    };
    let info = ParseInfo {
        fast,
        scale,
        cached,
    };

    // Exact value as a digit string times a power of ten.
    let mut digits: Vec<u8> = pieces
        .num
        .bytes()
        .chain(pieces.denom.bytes())
        .map(|c| c - b'0')
        .collect();
    let first_nonzero = digits.iter().position(|&d| d != 0);
    let Some(first_nonzero) = first_nonzero else {
        // Zero keeps its format (a zero binary value stays BinarySI upstream).
        return Ok((
            Quantity {
                coef: 0,
                exp: 0,
                format,
            },
            info,
        ));
    };
    digits.drain(..first_nonzero);
    let mut exp: i64 = match base {
        Base::Ten => exponent - denom_len,
        Base::Two => {
            for _ in 0..exponent {
                double_digits(&mut digits);
            }
            -denom_len
        }
    };
    strip_trailing_zeros(&mut digits, &mut exp);

    // Round the magnitude up to a whole number of nano units.
    if exp < -9 {
        let drop = -9 - exp;
        if drop >= digits.len() as i64 {
            digits = vec![1];
        } else {
            digits.truncate(digits.len() - drop as usize);
            increment_digits(&mut digits);
        }
        exp = -9;
        strip_trailing_zeros(&mut digits, &mut exp);
    }

    if base == Base::Two {
        // Cap at 2^63-1.
        let lead = digits.len() as i64 + exp;
        let over = match lead.cmp(&19) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => {
                let int_part: Vec<u8> = (0..19)
                    .map(|i| digits.get(i).map_or(b'0', |d| d + b'0'))
                    .collect();
                match int_part.as_slice().cmp(BINARY_CAP.as_slice()) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal => digits.len() > 19,
                }
            }
        };
        if over {
            digits = BINARY_CAP.iter().map(|c| c - b'0').collect();
            exp = 0;
        }
        // Below 1 in magnitude: upstream switches to DecimalSI.
        if digits.len() as i64 + exp <= 0 {
            format = QuantityFormat::DecimalSI;
        }
    }

    if digits.len() > MAX_SIGNIFICANT_DIGITS {
        return Err(format!(
            "quantity has more than {MAX_SIGNIFICANT_DIGITS} significant digits, which everynode does not support"
        ));
    }
    let magnitude = digits
        .iter()
        .fold(0i128, |acc, &d| acc * 10 + i128::from(d));
    let coef = if pieces.negative {
        -magnitude
    } else {
        magnitude
    };
    Ok((Quantity { coef, exp, format }, info))
}

impl PartialEq for Quantity {
    /// Numeric equality; the format family is ignored.
    fn eq(&self, other: &Self) -> bool {
        self.coef == other.coef && self.exp == other.exp
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    /// Hashes the value only, consistent with `Eq`.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.coef.hash(state);
        self.exp.hash(state);
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    /// Numeric order, like upstream's `Cmp`; the format family is ignored.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.coef.signum(), other.coef.signum());
        if a != b {
            return a.cmp(&b);
        }
        match a {
            0 => Ordering::Equal,
            1 => self.cmp_magnitude(other),
            _ => self.cmp_magnitude(other).reverse(),
        }
    }
}

impl fmt::Display for Quantity {
    /// Prints [`Quantity::canonical`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn check<F: Fn(&str) -> Result<(), String>>(f: F, good: &[&str], bad: &[&str]) {
        for s in good {
            assert!(f(s).is_ok(), "expected {s:?} to be valid, got {:?}", f(s));
        }
        for s in bad {
            let err = f(s).expect_err(&format!("expected {s:?} to be invalid"));
            assert!(!err.is_empty());
            assert!(!err.ends_with('.'), "message ends with a period: {err}");
            assert_eq!(
                err.chars().next(),
                err.chars().next().map(|c| c.to_ascii_lowercase())
            );
        }
    }

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s:?} failed to parse: {e}"))
    }

    fn canon(s: &str) -> String {
        q(s).canonical()
    }

    // ----- names -----

    #[test]
    fn dns1123_label_cases() {
        let long_ok = "a".repeat(63);
        let long_bad = "a".repeat(64);
        check(
            dns1123_label,
            &[
                "a", "0", "abc", "a-b", "a--b", "123-abc", "my-name", &long_ok,
            ],
            &[
                "", "A", "-a", "a-", "a_b", "a.b", &long_bad, "ä", " a", "a b",
            ],
        );
        assert_eq!(dns1123_label("a.b").unwrap_err(), "must not contain dots");
        assert_eq!(
            dns1123_label("My-Name").unwrap_err(),
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        );
        assert_eq!(
            dns1123_label(&long_bad).unwrap_err(),
            "must be no more than 63 characters"
        );
        // Too long and not a label: both messages.
        let long_upper = "A".repeat(64);
        let err = dns1123_label(&long_upper).unwrap_err();
        assert!(err.starts_with("must be no more than 63 characters; a lowercase RFC 1123 label"));
    }

    #[test]
    fn dns1123_subdomain_cases() {
        let label = "a".repeat(63);
        let max = format!("{label}.{label}.{label}.{}", "a".repeat(61)); // 253
        assert_eq!(max.len(), 253);
        let too_long = format!("{max}a");
        check(
            dns1123_subdomain,
            &[
                "a",
                "example.com",
                "a.b.c",
                "a-b.c-d",
                "0.0",
                "node-agent",
                &max,
            ],
            &[
                "", ".a", "a.", "a..b", "A.com", "a_b.com", &too_long, "-a.com", "a-.com", "a b",
            ],
        );
        assert_eq!(
            dns1123_subdomain("Foo").unwrap_err(),
            r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        );
        assert_eq!(
            dns1123_subdomain(&too_long).unwrap_err(),
            "must be no more than 253 characters"
        );
    }

    #[test]
    fn label_key_cases() {
        let name63 = "a".repeat(63);
        let name64 = "a".repeat(64);
        let prefixed63 = format!("example.com/{name63}");
        let long_prefix = format!("{}/a", "a".repeat(254));
        check(
            label_key,
            &[
                "app",
                "App",
                "my.name",
                "123-abc",
                "a_b",
                "example.com/MyName",
                "kubernetes.io/hostname",
                "node-role.kubernetes.io/control-plane",
                &name63,
                &prefixed63,
            ],
            &[
                "",
                "/a",
                "a/",
                "a/b/c",
                "-a",
                "a-",
                "Example.com/a",
                &name64,
                "a b",
                "ä",
                "_a",
                &long_prefix,
            ],
        );
        assert_eq!(
            label_key("/a").unwrap_err(),
            "prefix part must be non-empty"
        );
        assert_eq!(
            label_key(&name64).unwrap_err(),
            "name part must be no more than 63 bytes"
        );
        assert_eq!(
            label_key("-a").unwrap_err(),
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert!(
            label_key("a/b/c")
                .unwrap_err()
                .starts_with("a valid label key must consist of")
        );
        assert!(label_key("a/b/c").unwrap_err().ends_with(
            "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ));
        let both = label_key("a/").unwrap_err();
        assert!(
            both.starts_with("name part must be non-empty; name part must consist"),
            "{both}"
        );
        assert!(
            label_key("Ex.com/a")
                .unwrap_err()
                .starts_with("prefix part a lowercase RFC 1123 subdomain")
        );
        assert!(
            label_key(&long_prefix)
                .unwrap_err()
                .starts_with("prefix part must be no more than 253 bytes")
        );
    }

    #[test]
    fn label_value_cases() {
        let ok63 = "a".repeat(63);
        let bad64 = "a".repeat(64);
        check(
            label_value,
            &["", "a", "A", "my_value", "12345", "a.b-c_d", "0", &ok63],
            &["-1", "+5", "a b", "a/b", &bad64, "_a", "a.", "ä", "a:b"],
        );
        assert_eq!(
            label_value(&bad64).unwrap_err(),
            "must be no more than 63 bytes"
        );
        assert_eq!(
            label_value("-1").unwrap_err(),
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
    }

    // ----- ports -----

    #[test]
    fn port_name_cases() {
        check(
            port_name,
            &[
                "http",
                "h",
                "web-80",
                "a1",
                "1a",
                "abcdefghijklmno",
                "x-y-z",
                "metrics",
            ],
            &[
                "",
                "HTTP",
                "123",
                "-http",
                "http-",
                "ht--tp",
                "abcdefghijklmnop",
                "http_1",
                "h.t",
                "-",
            ],
        );
        assert_eq!(
            port_name("123").unwrap_err(),
            "must contain at least one letter (a-z)"
        );
        assert_eq!(
            port_name("ht--tp").unwrap_err(),
            "must not contain consecutive hyphens"
        );
        assert_eq!(
            port_name("-http").unwrap_err(),
            "must not begin or end with a hyphen"
        );
        assert_eq!(
            port_name("abcdefghijklmnop").unwrap_err(),
            "must be no more than 15 characters"
        );
        assert_eq!(
            port_name("Http").unwrap_err(),
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
        );
        assert_eq!(
            port_name("--").unwrap_err(),
            "must contain at least one letter (a-z); must not contain consecutive hyphens; must not begin or end with a hyphen"
        );
    }

    #[test]
    fn port_number_cases() {
        for n in [1, 80, 443, 8080, 30000, 65535] {
            assert!(port_number(n).is_ok(), "{n}");
        }
        for n in [0, -1, 65536, 100000, i64::MIN, i64::MAX] {
            assert_eq!(
                port_number(n).unwrap_err(),
                "must be between 1 and 65535, inclusive"
            );
        }
    }

    #[test]
    fn host_port_number_cases() {
        for n in [0, 1, 80, 8443, 9100, 65535] {
            assert!(host_port_number(n).is_ok(), "{n}");
        }
        for n in [-1, 65536, 70000, -65535, i64::MIN, i64::MAX] {
            assert_eq!(
                host_port_number(n).unwrap_err(),
                "must be between 1 and 65535, inclusive"
            );
        }
    }

    // ----- env -----

    #[test]
    fn env_var_name_relaxed_cases() {
        // Upstream TestIsRelaxedEnvVarName values.
        check(
            env_var_name,
            &[
                "PATH",
                "my.env-name",
                "-",
                ":",
                "_",
                "+a",
                "a.",
                "a..",
                "0a",
                "0 a",
                "a ",
                "~a",
                "|a",
                "/a",
                "#a",
                "@a",
                "..",
                ".",
            ],
            &[
                "",
                "=",
                "a=",
                "1=a",
                "a=b",
                "#%=&&",
                "\u{1}abc",
                "\u{82}abc",
                "Ç ç",
                "Ø ø",
                "tab\t",
            ],
        );
        assert_eq!(
            env_var_name("").unwrap_err(),
            "environment variable name must be non-empty"
        );
        assert_eq!(
            env_var_name("a=b").unwrap_err(),
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        );
    }

    #[test]
    fn env_var_name_strict_cases() {
        check(
            env_var_name_strict,
            &[
                "PATH",
                "my.env-name",
                "MY_ENV.NAME",
                "MyEnvName1",
                "_",
                "-a",
                ".a",
                "a..b",
            ],
            &["", "1a", "a b", "a=b", ".", "..", "..a", "a:b", "ä"],
        );
        assert_eq!(env_var_name_strict("..").unwrap_err(), "must not be '..'");
        assert_eq!(env_var_name_strict(".").unwrap_err(), "must not be '.'");
        assert_eq!(
            env_var_name_strict("..a").unwrap_err(),
            "must not start with '..'"
        );
        assert_eq!(
            env_var_name_strict("1a").unwrap_err(),
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
        );
    }

    // ----- resource names -----

    #[test]
    fn resource_name_cases() {
        check(
            resource_name,
            &[
                "cpu",
                "memory",
                "ephemeral-storage",
                "hugepages-2Mi",
                "hugepages-1Gi",
                "nvidia.com/gpu",
                "example.com/foo",
                "kubernetes.io/foo",
                "foo.kubernetes.io/bar",
            ],
            &[
                "",
                "foo",
                "pods",
                "storage",
                "requests.cpu",
                "CPU",
                "requests.foo/bar",
                "a/b/c",
                "nvidia.com/",
                "Nvidia.com/gpu",
                "hugepages-",
            ],
        );
        assert_eq!(
            resource_name("foo").unwrap_err(),
            "must be a standard resource type or fully qualified; must be a standard resource for containers"
        );
        assert_eq!(
            resource_name("pods").unwrap_err(),
            "must be a standard resource for containers"
        );
        assert_eq!(
            resource_name("requests.foo/bar").unwrap_err(),
            "doesn't follow extended resource name standard"
        );
        let err = resource_name("Nvidia.com/gpu").unwrap_err();
        assert!(
            err.starts_with("prefix part a lowercase RFC 1123 subdomain"),
            "{err}"
        );
        assert!(
            err.ends_with("; doesn't follow extended resource name standard"),
            "{err}"
        );
        // The prefix of an extended name has 9 characters less room ("requests.").
        let prefix244 = format!(
            "{}.{}.{}.{}",
            "a".repeat(60),
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(61)
        );
        assert_eq!(prefix244.len(), 244);
        assert!(resource_name(&format!("{prefix244}/gpu")).is_ok());
        let prefix245 = format!("{prefix244}d");
        assert!(label_key(&format!("{prefix245}/gpu")).is_ok());
        assert!(resource_name(&format!("{prefix245}/gpu")).is_err());
    }

    #[test]
    fn extended_and_overcommit() {
        assert!(is_extended_resource_name("nvidia.com/gpu"));
        assert!(!is_extended_resource_name("cpu"));
        assert!(!is_extended_resource_name("kubernetes.io/foo"));
        assert!(!is_extended_resource_name("requests.foo/bar"));
        assert!(overcommit_allowed("cpu"));
        assert!(overcommit_allowed("memory"));
        assert!(!overcommit_allowed("hugepages-2Mi"));
        assert!(!overcommit_allowed("nvidia.com/gpu"));
    }

    // ----- quantity parsing -----

    fn parts(s: &str) -> (i128, i64, QuantityFormat) {
        let v = q(s);
        (v.coef, v.exp, v.format)
    }

    #[test]
    fn quantity_parse_table() {
        use QuantityFormat::*;
        // From upstream TestQuantityParse: (input, significand, exponent, format).
        let table: &[(&str, i128, i64, QuantityFormat)] = &[
            ("0", 0, 0, DecimalSI),
            ("0n", 0, 0, DecimalSI),
            ("0Ki", 0, 0, BinarySI),
            ("0M", 0, 0, DecimalSI),
            ("1", 1, 0, DecimalSI),
            ("1Ki", 1024, 0, BinarySI),
            ("8Ki", 8192, 0, BinarySI),
            ("7Mi", 7 * 1024 * 1024, 0, BinarySI),
            ("3Ei", 3 * (1 << 60), 0, BinarySI),
            ("100Ti", 100 * (1i128 << 40), 0, BinarySI),
            ("5n", 5, -9, DecimalSI),
            ("4u", 4, -6, DecimalSI),
            ("3m", 3, -3, DecimalSI),
            ("50k", 5, 4, DecimalSI),
            ("300T", 3, 14, DecimalSI),
            ("1E", 1, 18, DecimalSI),
            ("1E-3", 1, -3, DecimalExponent),
            ("1e3", 1, 3, DecimalExponent),
            ("1E18", 1, 18, DecimalExponent),
            ("100.035k", 100035, 0, DecimalSI),
            ("0.001", 1, -3, DecimalSI),
            ("0.0005k", 5, -1, DecimalSI),
            ("0.00050k", 5, -1, DecimalSI),
            ("0.50000", 5, -1, DecimalSI),
            ("0.5e-2", 5, -3, DecimalExponent),
            ("10.035M", 10035, 3, DecimalSI),
            ("1.3E+6", 13, 5, DecimalExponent),
            ("1.40e9", 14, 8, DecimalExponent),
            ("7.123456M", 7123456, 0, DecimalSI),
            ("6.987654321G", 6987654321, 0, DecimalSI),
            ("1.01E", 101, 16, DecimalSI),
            ("3.001n", 4, -9, DecimalSI),
            ("1.1E-9", 2, -9, DecimalExponent),
            ("0.0000000001", 1, -9, DecimalSI),
            ("0.00000000050", 1, -9, DecimalSI),
            ("0.9n", 1, -9, DecimalSI),
            ("0.00000012345", 124, -9, DecimalSI),
            ("0.00000012354", 124, -9, DecimalSI),
            ("9Ei", 9223372036854775807, 0, BinarySI),
            ("9223372036854775807Ki", 9223372036854775807, 0, BinarySI),
            ("12E", 12, 18, DecimalSI),
            ("100.035Ki", 10243584, -2, BinarySI),
            ("0.5Mi", 524288, 0, BinarySI),
            ("0.05Gi", 536870912, -1, BinarySI),
            ("0.025Ti", 274877906944, -1, BinarySI),
            ("0.000000000001Ki", 2, -9, DecimalSI),
            (".001", 1, -3, DecimalSI),
            (".0001k", 1, -1, DecimalSI),
            ("1.", 1, 0, DecimalSI),
            ("1.G", 1, 9, DecimalSI),
            ("5.", 5, 0, DecimalSI),
            (".5", 5, -1, DecimalSI),
            ("1.5", 15, -1, DecimalSI),
            ("100m", 1, -1, DecimalSI),
            ("64Mi", 64 << 20, 0, BinarySI),
            ("1e100", 1, 100, DecimalExponent),
        ];
        for &(input, coef, exp, format) in table {
            // The table lists values as written; compare in normalized form.
            let (coef, exp) = normalized(coef, exp);
            assert_eq!(parts(input), (coef, exp, format), "{input}");
            // Upstream also checks every row with an explicit sign.
            let (c, e, f) = parts(&format!("-{input}"));
            assert_eq!((c, e, f), (-coef, exp, format), "-{input}");
            assert_eq!(parts(&format!("+{input}")), (coef, exp, format), "+{input}");
        }
    }

    #[test]
    fn quantity_parse_invalid() {
        // Upstream's invalid table plus the brief's examples.
        for s in [
            "",
            "1.1.M",
            "1+1.0M",
            "0.1mi",
            "0.1am",
            "aoeu",
            ".5i",
            "1i",
            "-3.01i",
            "-3.01e-",
            "1e4294967297",
            " 1",
            "1 ",
            "1.5.5",
            "10 Mi",
            "1MB",
            "1K",
            "1ki",
            "1e",
            "1e+",
            "1Ki3",
            "1k+3",
            "--1",
            "+-1",
            "1-",
            "1e3.5",
            "1eE3",
            "Pi",
            "Ei",
            "-.Pi",
            "e-10",
            "1ü",
            "1E2147483648",
            "1e-2147483648",
            "1e9223372036854775808",
        ] {
            let err = Quantity::parse(s).expect_err(&format!("{s:?} parsed unexpectedly"));
            assert!(!err.ends_with('.'));
        }
        assert_eq!(Quantity::parse("").unwrap_err(), ERR_FORMAT);
        assert_eq!(Quantity::parse("1MB").unwrap_err(), ERR_FORMAT);
        assert_eq!(Quantity::parse("1K").unwrap_err(), ERR_SUFFIX);
        assert_eq!(Quantity::parse("Pi").unwrap_err(), ERR_NUMERIC);
        let many = format!("1{}1", "0".repeat(40));
        assert!(
            Quantity::parse(&many)
                .unwrap_err()
                .contains("significant digits")
        );
    }

    #[test]
    fn quantity_parse_upstream_quirks() {
        // An empty number is zero on upstream's fast path (apimachinery issue #165).
        for s in [
            "Mi", "Ki", "Ti", "k", "m", "+", "-", ".", "-.", "+.", "e3", "e-9", ".Ki", "0e-10",
            "00",
        ] {
            assert!(q(s).is_zero(), "{s}");
        }
        // Exponents up to +-(2^31 - 1) are accepted.
        assert_eq!(
            parts("1E2147483647"),
            (1, 2147483647, QuantityFormat::DecimalExponent)
        );
        assert_eq!(
            parts("1e-2147483647"),
            (1, -9, QuantityFormat::DecimalExponent)
        );
        assert_eq!(parts("1e+0003"), (1, 3, QuantityFormat::DecimalExponent));
        // Decimal values are not capped, binary ones are.
        assert_eq!(canon("9223372036854775808"), "9223372036854775808");
        assert_eq!(canon("18446744073709551616"), "18446744073709551616");
        assert_eq!(canon("8Ei"), "9223372036854775807");
        assert_eq!(canon("7Ei"), "7Ei");
        assert_eq!(canon("-20Ei"), "-9223372036854775807");
        // Very small binary values become DecimalSI.
        assert_eq!(q(".000001Ki").format(), QuantityFormat::DecimalSI);
        assert_eq!(q(".001Ki").format(), QuantityFormat::BinarySI);
        // Long inputs that round away their extra digits are fine.
        let tiny = format!(
            "0.{}1234567890123456789012345678901234567890",
            "0".repeat(20)
        );
        assert_eq!(canon(&tiny), "1n");
    }

    // ----- canonical form -----

    #[test]
    fn quantity_canonical_table() {
        let table: &[(&str, &str)] = &[
            // The brief's table, as upstream prints it.
            ("1024Mi", "1Gi"),
            ("0.5", "500m"),
            ("1.5", "1500m"),
            ("2000m", "2"),
            ("1000m", "1"),
            ("1e3", "1e3"),
            ("1Ki", "1Ki"),
            ("1000Ki", "1000Ki"),
            ("0", "0"),
            ("128974848", "128974848"),
            ("129e6", "129e6"),
            ("129M", "129M"),
            ("123Mi", "123Mi"),
            ("1.1Mi", "1153433600m"),
            ("1.5Gi", "1536Mi"),
            ("100m", "100m"),
            ("64Mi", "64Mi"),
            ("1.5Ki", "1536"),
            ("0.5Ki", "512"),
            // Upstream TestQuantityParseEmit.
            ("1Mi", "1Mi"),
            ("1Gi", "1Gi"),
            ("1000M", "1G"),
            (".001Ki", "1024m"),
            (".000001Ki", "1024u"),
            (".000000001Ki", "1024n"),
            (".000000000001Ki", "2n"),
            // Upstream TestQuantityString alternates.
            ("307200Ki", "300Mi"),
            ("1025024Mi", "1001Gi"),
            ("1024Gi", "1Ti"),
            ("5000m", "5"),
            ("0.001T", "1G"),
            ("1000u", "1m"),
            ("1.08", "1080m"),
            ("1080000000n", "1080m"),
            ("1000E", "1e21"),
            ("5000E", "5e21"),
            ("1000000E", "1e24"),
            (".001e12", "1e9"),
            ("0.001e0", "1e-3"),
            ("1000e-12", "1e-9"),
            ("00", "0"),
            ("6Ki", "6Ki"),
            ("1025", "1025"),
            ("80n", "80n"),
            ("1080u", "1080u"),
            ("300e6", "300e6"),
            ("80e-3", "80e-3"),
            // Upstream quantity_golden_test.go.
            ("0.1", "100m"),
            ("0.000000000000001", "1n"),
            ("1.441", "1441m"),
            ("1.000001", "1000001u"),
            ("1.000000001", "1000000001n"),
            ("9223372036854775807", "9223372036854775807"),
            ("1E", "1E"),
            ("100E", "100E"),
            ("1e100", "10e99"),
            ("-9.5Gi", "-9728Mi"),
            ("-9.5000000001Gi", "-10200547328107374183n"),
            ("-1", "-1"),
            ("+1", "1"),
            ("0Ki", "0"),
            ("-0", "0"),
            ("-100m", "-100m"),
            ("-1024Mi", "-1Gi"),
        ];
        for &(input, want) in table {
            assert_eq!(canon(input), want, "canonical of {input}");
            assert_eq!(q(input).to_string(), want);
        }
    }

    #[test]
    fn quantity_canonical_is_stable() {
        for s in [
            "1024Mi",
            "0.5",
            "1.5",
            "1e3",
            "1.1Mi",
            ".001Ki",
            "1000E",
            "1e100",
            "-9.5000000001Gi",
            "8Ei",
            "129e6",
            "0.000000000001Ki",
            "1.5Gi",
            "12E",
            "3.001n",
        ] {
            let once = canon(s);
            assert_eq!(canon(&once), once, "{s}");
            assert_eq!(q(&once), q(s), "{s}");
        }
    }

    #[test]
    fn quantity_comparison() {
        assert!(q("1Gi") > q("1G"));
        assert_eq!(q("500m"), q("0.5"));
        assert_eq!(q("1k"), q("1e3"));
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("0"), q("0Ki"));
        assert!(q("100m") > q("50m"));
        assert!(q("10000T") > q("100Gi"));
        assert!(q("-1") < q("0"));
        assert!(q("-2") < q("-1"));
        assert!(q("-1Gi") < q("-1G"));
        assert!(q("1e100") > q("8Ei"));
        assert!(q("1n") > q("0"));
        assert!(q("1.0001") > q("1"));
        assert!(q("999m") < q("1"));
        assert!(q("1000001u") > q("1"));
        assert_eq!(q("0.1").cmp(&q("100m")), Ordering::Equal);
        // requests <= limits
        assert!(q("100m") <= q("200m"));
        assert!(q("64Mi") <= q("128Mi"));
        assert!(q("129M") > q("123Mi"));
        let mut v = [q("1Gi"), q("1G"), q("-5"), q("500m"), q("0"), q("1e-3")];
        v.sort();
        let printed: Vec<String> = v.iter().map(Quantity::canonical).collect();
        assert_eq!(printed, ["-5", "0", "1e-3", "500m", "1G", "1Gi"]);
        use std::collections::HashSet;
        let set: HashSet<Quantity> = [q("1k"), q("1000"), q("1e3"), q("1Ki")]
            .into_iter()
            .collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn quantity_round_up_milli() {
        assert_eq!(q("100n").round_up_milli().canonical(), "1m");
        assert_eq!(q("1.0001").round_up_milli().canonical(), "1001m");
        assert_eq!(q("-1.0001").round_up_milli().canonical(), "-1001m");
        assert_eq!(q("1.5").round_up_milli().canonical(), "1500m");
        assert_eq!(q("1Gi").round_up_milli().canonical(), "1Gi");
        assert_eq!(q(".000001Ki").round_up_milli().canonical(), "2m");
        assert_eq!(q("0").round_up_milli().canonical(), "0");
        // Upstream TestQuantityRoundUp at scale -3.
        assert_eq!(q("9.01").round_up_milli(), q("9.01"));
        assert_eq!(q("-9.01").round_up_milli(), q("-9.01"));
    }

    #[test]
    fn quantity_server_string() {
        let cases: &[(&str, bool, &str)] = &[
            ("1.441", false, "1.441"),
            ("1.441", true, "1.441"),
            ("+1", false, "+1"),
            ("+1", true, "+1"),
            ("0100m", true, "0100m"),
            ("1.5", true, "1500m"),
            ("0.5", true, "500m"),
            (" 100m ", true, "100m"),
            ("1.000001", false, "1.000001"),
            ("1.000001", true, "1001m"),
            ("100n", false, "100n"),
            ("100n", true, "1m"),
            ("-0.0001", true, "-1m"),
            ("1024Mi", true, "1Gi"),
            ("1Ki", true, "1Ki"),
            ("8Ki", true, "8Ki"),
            ("0", true, "0"),
            ("1e3", true, "1e3"),
            ("1000", true, "1k"),
            ("2000m", true, "2"),
            ("1Pi", true, "1Pi"),
            ("0.000000000001Ki", true, "1m"),
        ];
        for &(input, milli, want) in cases {
            assert_eq!(
                Quantity::server_string(input, milli).unwrap(),
                want,
                "{input:?} milli={milli}"
            );
        }
        assert!(Quantity::server_string("1 Gi", true).is_err());
        assert!(Quantity::server_string("", false).is_err());
    }

    #[test]
    fn quantity_accessors() {
        assert_eq!(q("-1").signum(), -1);
        assert_eq!(q("0").signum(), 0);
        assert_eq!(q("1n").signum(), 1);
        assert_eq!(q("1e3").format(), QuantityFormat::DecimalExponent);
        assert_eq!(q("1Ki").format(), QuantityFormat::BinarySI);
        assert_eq!(q("1k").format(), QuantityFormat::DecimalSI);
    }
}
