//! `outbox.json` read as it streams: the collection's `orderedItems` are handed out one by one
//! as serde parses them, and everything else in the document is skipped unread. One activity
//! may take at most [`OUTBOX_ITEM_MAX_BYTES`] of the file, so a single giant one cannot take
//! the memory the streaming saves.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::ArchiveError;

/// The most one activity of the outbox may take (a post of Mastodon's longest with its
/// attachments' descriptions is a few tens of kilobytes).
pub const OUTBOX_ITEM_MAX_BYTES: u64 = 4 * 1024 * 1024;
/// The most the rest of the document (its context, id, counts) may take, all together: a key
/// or a value outside the activities is read whole, so it must not be gigabytes.
const OUTSIDE_ITEMS_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Counts what is read, and refuses to go on past the bound of the activity being read, or of
/// everything outside the activities. (serde_json reads a byte at a time, so the count is
/// exact.)
struct Bounded<R> {
    inner: R,
    read: Rc<Cell<u64>>,
    item_start: Rc<Cell<Option<u64>>>,
    outside: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(start) = self.item_start.get()
            && self.read.get() - start > OUTBOX_ITEM_MAX_BYTES
        {
            return Err(io::Error::other(format!(
                "an activity in outbox.json is larger than {OUTBOX_ITEM_MAX_BYTES} bytes"
            )));
        }
        if self.item_start.get().is_none() && self.outside > OUTSIDE_ITEMS_MAX_BYTES {
            return Err(io::Error::other(format!(
                "outbox.json has more than {OUTSIDE_ITEMS_MAX_BYTES} bytes outside its activities"
            )));
        }
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        if self.item_start.get().is_none() {
            self.outside += n as u64;
        }
        Ok(n)
    }
}

struct Outbox<'a, F> {
    each: &'a mut F,
    count: u64,
    stopped: bool,
    read: Rc<Cell<u64>>,
    item_start: Rc<Cell<Option<u64>>>,
}

pub(crate) fn each_item<R: Read>(
    reader: R,
    mut each: impl FnMut(Value) -> bool,
) -> Result<u64, ArchiveError> {
    let read = Rc::new(Cell::new(0));
    let item_start = Rc::new(Cell::new(None));
    let bounded = Bounded {
        inner: reader,
        read: read.clone(),
        item_start: item_start.clone(),
        outside: 0,
    };
    let mut outbox = Outbox {
        each: &mut each,
        count: 0,
        stopped: false,
        read,
        item_start,
    };
    let mut de = serde_json::Deserializer::from_reader(bounded);
    de.deserialize_map(&mut outbox)
        .map_err(|e| ArchiveError::Garbled(format!("outbox.json cannot be read: {e}")))?;
    Ok(outbox.count)
}

impl<'de, F: FnMut(Value) -> bool> Visitor<'de> for &mut Outbox<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OrderedCollection of activities")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "orderedItems" || key == "items" {
                map.next_value_seed(Items(&mut *self))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Items<'a, 'b, F>(&'a mut Outbox<'b, F>);

impl<'de, F: FnMut(Value) -> bool> DeserializeSeed<'de> for Items<'_, '_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Value) -> bool> Visitor<'de> for Items<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of activities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let outbox = self.0;
        loop {
            if outbox.stopped {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
                continue;
            }
            outbox.item_start.set(Some(outbox.read.get()));
            let item = seq.next_element::<Value>()?;
            outbox.item_start.set(None);
            match item {
                Some(item) => {
                    outbox.count += 1;
                    if !(outbox.each)(item) {
                        outbox.stopped = true;
                    }
                }
                None => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(doc: &str) -> Result<Vec<Value>, ArchiveError> {
        let mut seen = Vec::new();
        each_item(doc.as_bytes(), |v| {
            seen.push(v);
            true
        })?;
        Ok(seen)
    }

    #[test]
    fn items_come_out_in_order_and_the_rest_is_skipped() {
        let seen = items(
            r#"{"@context": ["x", {"a": 1}], "orderedItems": [{"n": 1}, {"n": 2}], "totalItems": 2, "first": {"deep": [1, [2]]}}"#,
        )
        .unwrap();
        assert_eq!(
            seen,
            [serde_json::json!({"n": 1}), serde_json::json!({"n": 2})]
        );
    }

    #[test]
    fn garbled_outboxes_are_said_to_be_garbled() {
        for doc in [
            "",
            "[]",
            "{\"orderedItems\": 3}",
            "{\"orderedItems\": [{}, ",
            "nonsense",
        ] {
            assert!(matches!(items(doc), Err(ArchiveError::Garbled(_))), "{doc}");
        }
    }

    #[test]
    fn a_giant_key_outside_the_activities_is_refused() {
        let giant = format!(
            "{{\"{}\": 1, \"orderedItems\": []}}",
            "k".repeat(OUTSIDE_ITEMS_MAX_BYTES as usize + 10)
        );
        assert!(matches!(items(&giant), Err(ArchiveError::Garbled(_))));
    }

    #[test]
    fn one_giant_activity_is_refused() {
        let giant = format!(
            "{{\"orderedItems\": [{{\"content\": \"{}\"}}]}}",
            "a".repeat(OUTBOX_ITEM_MAX_BYTES as usize + 10)
        );
        assert!(matches!(items(&giant), Err(ArchiveError::Garbled(_))));
    }
}
