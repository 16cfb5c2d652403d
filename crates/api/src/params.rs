//! Parameters as Mastodon takes them: from the query, a form body (`media_ids[]=1&media_ids[]=2`)
//! or a JSON body, merged into one map. A body that claims to be JSON and is not, or a form that
//! is not UTF-8, is refused whole.

use serde_json::{Map, Value};

use crate::{ApiError, ApiRequest};

/// The request's parameters (and the files of a multipart body).
#[derive(Debug, Default)]
pub struct Params(Map<String, Value>, Vec<Upload>);

/// A file sent in a multipart body.
#[derive(Debug, Clone)]
pub struct Upload {
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Params {
    pub fn read(request: &ApiRequest) -> Result<Params, ApiError> {
        let mut map = Map::new();
        for (key, value) in request.query {
            insert(&mut map, key, value);
        }
        let content_type = request.header("content-type").unwrap_or("");
        if !request.body.is_empty() {
            if content_type.contains("json") {
                let body: Value = serde_json::from_slice(request.body).map_err(|e| {
                    ApiError::new(400, format!("The request body is not valid JSON: {e}"))
                })?;
                match body {
                    Value::Object(object) => map.extend(object),
                    _ => return Err(ApiError::new(400, "The request body must be a JSON object")),
                }
            } else if content_type.is_empty()
                || content_type.starts_with("application/x-www-form-urlencoded")
            {
                if std::str::from_utf8(request.body).is_err() {
                    return Err(ApiError::new(400, "The form is not valid UTF-8"));
                }
                for (key, value) in form_urlencoded::parse(request.body) {
                    insert(&mut map, &key, &value);
                }
            } else if content_type.starts_with("multipart/form-data") {
                let uploads = multipart(content_type, request.body, &mut map)?;
                return Ok(Params(map, uploads));
            } else {
                return Err(ApiError::new(
                    415,
                    format!("Unsupported content type: {content_type}"),
                ));
            }
        }
        Ok(Params(map, Vec::new()))
    }

    /// Whether the parameter was sent at all (`media_ids: []` is sent, and empty).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The files sent with the request.
    pub fn uploads(&self) -> &[Upload] {
        &self.1
    }

    /// A text parameter (numbers and booleans read as their text).
    pub fn text(&self, name: &str) -> Option<String> {
        as_text(self.0.get(name)?)
    }

    /// A value deep in an object parameter: `a[b][c]=…` in a form, `{"a": {"b": {"c": …}}}`
    /// in JSON.
    pub fn deep(&self, keys: &[&str]) -> Option<&Value> {
        let (first, rest) = keys.split_first()?;
        let flat: String = std::iter::once(first.to_string())
            .chain(rest.iter().map(|k| format!("[{k}]")))
            .collect();
        self.0
            .get(&flat)
            .or_else(|| rest.iter().try_fold(self.0.get(*first)?, |v, k| v.get(k)))
    }

    /// `deep`, as text.
    pub fn deep_text(&self, keys: &[&str]) -> Option<String> {
        as_text(self.deep(keys)?)
    }

    /// `deep`, as a boolean.
    pub fn deep_flag(&self, keys: &[&str]) -> Option<bool> {
        as_flag(self.deep(keys)?)
    }

    /// `limit` as Mastodon reads it: `default` when absent or not a number, clamped to
    /// 1..=`max`.
    pub fn limit(&self, default: u32, max: u32) -> u32 {
        self.text("limit")
            .and_then(|l| l.parse::<u32>().ok())
            .unwrap_or(default)
            .clamp(1, max)
    }

    /// A field of an object parameter: `outer[inner]=…` in a form, `{"outer": {"inner": …}}`
    /// in JSON.
    pub fn nested(&self, outer: &str, inner: &str) -> Option<String> {
        self.deep_text(&[outer, inner])
    }

    /// An array of objects (`name[][field]=…` in a form, or a JSON array of objects).
    pub fn objects(&self, name: &str) -> Vec<Map<String, Value>> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_object().filter(|o| !o.is_empty()).cloned())
                .collect(),
            // Some clients send `name[0][field]` as a JSON object keyed by position.
            Some(Value::Object(by_position)) => by_position
                .values()
                .filter_map(|v| v.as_object().cloned())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A boolean as apps send it: `true`, `"true"`, `"1"`, `1`.
    pub fn flag(&self, name: &str) -> Option<bool> {
        as_flag(self.0.get(name)?)
    }

    /// A list (`name[]=a&name[]=b`, or a JSON array).
    pub fn list(&self, name: &str) -> Vec<String> {
        strings(self.0.get(name))
    }

    /// `deep`, as a list (`a[b][]=…` in a form, `{"a": {"b": […]}}` in JSON).
    pub fn deep_list(&self, keys: &[&str]) -> Vec<String> {
        strings(self.deep(keys))
    }
}

/// A list parameter's strings (a lone value is a list of one).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A form's text fields: (name, value), in order.
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_i64() == Some(1)),
        Value::String(s) => Some(matches!(s.as_str(), "true" | "1" | "on")),
        _ => None,
    }
}

pub type Fields = Vec<(String, String)>;

/// A `multipart/form-data` body's text fields and its files (for the pages' forms).
pub fn read_multipart(content_type: &str, body: &[u8]) -> Result<(Fields, Vec<Upload>), ApiError> {
    let mut map = Map::new();
    let files = multipart(content_type, body, &mut map)?;
    let fields = map
        .into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect();
    Ok((fields, files))
}

/// Reads a `multipart/form-data` body (as masto.js sends its OAuth forms, and every app sends
/// media): text fields into `map`, files returned. Parsed by multer over the body in hand.
fn multipart(
    content_type: &str,
    body: &[u8],
    map: &mut Map<String, Value>,
) -> Result<Vec<Upload>, ApiError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| ApiError::new(400, format!("The multipart body has no boundary: {e}")))?;
    let bytes = bytes::Bytes::copy_from_slice(body);
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let bad =
        |e: multer::Error| ApiError::new(400, format!("The multipart body is malformed: {e}"));
    futures_executor::block_on(async {
        let mut uploads = Vec::new();
        while let Some(field) = parts.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let content_type = field
                        .content_type()
                        .map(|m| m.essence_str().to_string())
                        .unwrap_or_default();
                    let bytes = field.bytes().await.map_err(bad)?.to_vec();
                    uploads.push(Upload {
                        field: name,
                        file_name,
                        content_type,
                        bytes,
                    });
                }
                None => {
                    let text = field.text().await.map_err(bad)?;
                    insert(map, &name, &text);
                }
            }
        }
        Ok(uploads)
    })
}

/// `outer[][inner]` or `outer[N][inner]`: (outer, N if given, inner).
fn object_in_array(key: &str) -> Option<(&str, Option<usize>, &str)> {
    let (outer, rest) = key.split_once('[')?;
    let (index, rest) = rest.split_once(']')?;
    let inner = rest.strip_prefix('[')?.strip_suffix(']')?;
    if outer.is_empty() || inner.is_empty() || inner.contains(['[', ']']) {
        return None;
    }
    let index = match index {
        "" => None,
        n => Some(n.parse().ok()?),
    };
    Some((outer, index, inner))
}

fn insert(map: &mut Map<String, Value>, key: &str, value: &str) {
    // Rails' arrays of objects: with `outer[][inner]`, a field already set starts the next
    // object; with `outer[N][inner]`, N says which.
    if let Some((outer, index, inner)) = object_in_array(key) {
        let entry = map
            .entry(outer.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = entry {
            let at = match index {
                // (A bound, so that `a[999999][k]` cannot make a million objects.)
                Some(n) if n >= 100 => return,
                Some(n) => {
                    while items.len() < n {
                        items.push(Value::Object(Map::new()));
                    }
                    n
                }
                None => match items.last() {
                    Some(last) if last.get(inner).is_none() => items.len() - 1,
                    _ => items.len(),
                },
            };
            if at == items.len() {
                items.push(Value::Object(Map::new()));
            }
            if let Value::Object(object) = &mut items[at] {
                object.insert(inner.to_string(), Value::String(value.to_string()));
            }
        }
        return;
    }
    match key.strip_suffix("[]") {
        Some(name) => {
            let entry = map
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(Value::String(value.to_string()));
            }
        }
        None => {
            map.insert(key.to_string(), Value::String(value.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_of_objects_in_forms() {
        let p = read(
            "application/x-www-form-urlencoded",
            "title=x&keywords_attributes[][keyword]=spoiler&keywords_attributes[][whole_word]=true\
             &keywords_attributes[][keyword]=dune&a[1][k]=second&a[0][k]=first",
            &[],
        )
        .unwrap();
        let keywords = p.objects("keywords_attributes");
        assert_eq!(keywords.len(), 2);
        assert_eq!(keywords[0]["keyword"], "spoiler");
        assert_eq!(keywords[0]["whole_word"], "true");
        assert_eq!(keywords[1]["keyword"], "dune");
        assert!(keywords[1].get("whole_word").is_none());
        let indexed = p.objects("a");
        assert_eq!(indexed.len(), 2);
        assert_eq!(p.text("title").as_deref(), Some("x"));
        assert_eq!(object_in_array("a[b]"), None);
        assert_eq!(object_in_array("a[][b]"), Some(("a", None, "b")));
    }

    fn read(content_type: &str, body: &str, query: &[(&str, &str)]) -> Result<Params, ApiError> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let headers = vec![("content-type".to_string(), content_type.to_string())];
        let segments = Vec::new();
        Params::read(&ApiRequest {
            method: "POST",
            segments: &segments,
            query: &query,
            headers: &headers,
            body: body.as_bytes(),
            base_url: "https://camp.example",
        })
    }

    #[test]
    fn forms_json_and_query_merge() {
        let p = read(
            "application/x-www-form-urlencoded",
            "status=hi%21&media_ids[]=1&media_ids[]=2&sensitive=true",
            &[("limit", "5")],
        )
        .unwrap();
        assert_eq!(p.text("status").as_deref(), Some("hi!"));
        assert_eq!(p.list("media_ids"), vec!["1", "2"]);
        assert_eq!(p.flag("sensitive"), Some(true));
        assert_eq!(p.text("limit").as_deref(), Some("5"));
        let j = read(
            "application/json; charset=utf-8",
            r#"{"status":"hi","media_ids":[3],"local_only":true,"limit":7}"#,
            &[],
        )
        .unwrap();
        assert_eq!(j.list("media_ids"), vec!["3"]);
        assert_eq!(j.flag("local_only"), Some(true));
        assert_eq!(j.text("limit").as_deref(), Some("7"));
    }

    #[test]
    fn multipart_fields_and_files() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                    Content-Type: image/png\r\n\r\nPNGDATA\r\n--XyZ--\r\n";
        let p = read("multipart/form-data; boundary=XyZ", body, &[]).unwrap();
        assert_eq!(p.text("grant_type").as_deref(), Some("authorization_code"));
        assert_eq!(p.uploads().len(), 1);
        assert_eq!(p.uploads()[0].content_type, "image/png");
        assert_eq!(p.uploads()[0].bytes, b"PNGDATA");
        assert_eq!(
            read("multipart/form-data", body, &[]).unwrap_err().status,
            400,
            "no boundary"
        );
        assert_eq!(
            read("multipart/form-data; boundary=XyZ", "--XyZ\r\nbroken", &[])
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert_eq!(
            read("application/json", "{nope", &[]).unwrap_err().status,
            400
        );
        assert_eq!(
            read("application/json", "[1]", &[]).unwrap_err().status,
            400
        );
        assert_eq!(read("text/plain", "x", &[]).unwrap_err().status, 415);
    }
}
