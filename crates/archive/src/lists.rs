//! Mastodon's CSV lists (Settings → Import and export), which GoToSocial and others read and
//! write too: whom one follows, blocks and mutes, the servers one blocks, bookmarks, and lists.
//! Read row by row: a row that is not what its file holds is skipped with its line and the
//! reason, and the rest is kept.

/// The most rows one list may have (Mastodon's own limits are of this order).
pub const MAX_ROWS: usize = 20_000;

/// Which list a CSV file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Following,
    Blocks,
    Mutes,
    DomainBlocks,
    Bookmarks,
    Lists,
}

impl ListKind {
    pub const ALL: [ListKind; 6] = [
        ListKind::Following,
        ListKind::Lists,
        ListKind::Mutes,
        ListKind::Blocks,
        ListKind::DomainBlocks,
        ListKind::Bookmarks,
    ];

    /// The file's name in Mastodon's exports (and in a camp's archive).
    pub fn file_name(self) -> &'static str {
        match self {
            ListKind::Following => "following_accounts.csv",
            ListKind::Blocks => "blocked_accounts.csv",
            ListKind::Mutes => "muted_accounts.csv",
            ListKind::DomainBlocks => "blocked_domains.csv",
            ListKind::Bookmarks => "bookmarks.csv",
            ListKind::Lists => "lists.csv",
        }
    }

    /// The header row Mastodon writes (two of its lists have one).
    pub fn header(self) -> Option<&'static [&'static str]> {
        match self {
            ListKind::Following => Some(&[
                "Account address",
                "Show boosts",
                "Notify on new posts",
                "Languages",
            ]),
            ListKind::Mutes => Some(&["Account address", "Hide notifications"]),
            _ => None,
        }
    }

    /// What the list is, in words.
    pub fn label(self) -> &'static str {
        match self {
            ListKind::Following => "people you follow",
            ListKind::Blocks => "people you block",
            ListKind::Mutes => "people you mute",
            ListKind::DomainBlocks => "servers you block",
            ListKind::Bookmarks => "bookmarks",
            ListKind::Lists => "lists",
        }
    }

    /// The value a form sends for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Following => "following",
            ListKind::Blocks => "blocks",
            ListKind::Mutes => "mutes",
            ListKind::DomainBlocks => "domain_blocks",
            ListKind::Bookmarks => "bookmarks",
            ListKind::Lists => "lists",
        }
    }

    pub fn parse(value: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// One row of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Someone, by `name@server` (following, blocks, mutes). `show_boosts` and `notify` are the
    /// following list's columns; `hide_notifications` the mute list's.
    Account {
        address: String,
        show_boosts: bool,
        notify: bool,
        hide_notifications: bool,
    },
    /// A server (`blocked_domains.csv`).
    Domain(String),
    /// A post, by its address (`bookmarks.csv`).
    Post(String),
    /// Someone on a list of one's own (`lists.csv`: the list's name, then the address).
    ListMember { list: String, address: String },
}

/// A row that was not kept, and why (line numbers count from 1, as an editor shows them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub line: u64,
    pub why: String,
}

/// Reads a list; `bytes` is the file as uploaded.
pub fn read(kind: ListKind, bytes: &[u8]) -> (Vec<Entry>, Vec<Skipped>) {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    // Lines are counted from the bytes (the CSV reader's own count passes over blank lines).
    let (mut counted_to, mut line) = (0usize, 1u64);
    for (n, record) in reader.records().enumerate() {
        let start = match &record {
            Ok(r) => r.position().map(|p| p.byte() as usize),
            Err(e) => e.position().map(|p| p.byte() as usize),
        }
        .unwrap_or(counted_to)
        .clamp(counted_to, bytes.len());
        // A record after a blank line is placed at the blank line: its own line is further on.
        let start = start
            + bytes[start..]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
        line += bytes[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = start;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                skipped.push(Skipped {
                    line,
                    why: format!("not a CSV row ({e})"),
                });
                continue;
            }
        };
        let first = record.get(0).unwrap_or("");
        if n == 0
            && kind
                .header()
                .is_some_and(|h| first.eq_ignore_ascii_case(h[0]))
        {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        // Every row counts, kept or skipped: a file of junk lines must not become millions of
        // skipped rows held with their reasons.
        if entries.len() + skipped.len() >= MAX_ROWS {
            skipped.push(Skipped {
                line,
                why: format!("past the first {MAX_ROWS} rows, which is as many as are read"),
            });
            break;
        }
        match entry(kind, &record) {
            Ok(e) => entries.push(e),
            Err(why) => skipped.push(Skipped { line, why }),
        }
    }
    (entries, skipped)
}

fn yes(value: Option<&str>, default: bool) -> bool {
    match value.map(str::to_ascii_lowercase).as_deref() {
        Some("true" | "1" | "yes") => true,
        Some("false" | "0" | "no") => false,
        _ => default,
    }
}

fn entry(kind: ListKind, record: &csv::StringRecord) -> Result<Entry, String> {
    let first = record.get(0).unwrap_or("");
    match kind {
        ListKind::Following | ListKind::Blocks | ListKind::Mutes => Ok(Entry::Account {
            address: address(first)?,
            show_boosts: kind == ListKind::Following && yes(record.get(1), true),
            notify: kind == ListKind::Following && yes(record.get(2), false),
            hide_notifications: kind == ListKind::Mutes && yes(record.get(1), true),
        }),
        ListKind::DomainBlocks => domain(first).map(Entry::Domain),
        ListKind::Bookmarks => {
            if (first.starts_with("https://") || first.starts_with("http://"))
                && first.len() <= 2048
                && !first.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                Ok(Entry::Post(first.to_string()))
            } else {
                Err(format!("{:?} is not the address of a post", clip(first)))
            }
        }
        ListKind::Lists => {
            let list = first.trim();
            if list.is_empty() || list.chars().count() > 100 || list.chars().any(char::is_control) {
                return Err(format!("{:?} is not a list's name", clip(first)));
            }
            Ok(Entry::ListMember {
                list: list.to_string(),
                address: address(record.get(1).unwrap_or(""))?,
            })
        }
    }
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

/// `name@server` (a leading `@` is allowed), lowercased server.
pub fn address(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_start_matches('@');
    let bad = || {
        format!(
            "{:?} is not an address like name@server.example",
            clip(text)
        )
    };
    let (name, host) = trimmed.split_once('@').ok_or_else(bad)?;
    let name_ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !name_ok {
        return Err(bad());
    }
    let host = domain(host).map_err(|_| bad())?;
    Ok(format!("{name}@{host}"))
}

/// A server's name (with a port, if any), lowercased.
pub fn domain(text: &str) -> Result<String, String> {
    let host = text.trim().to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let labels_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if labels_ok && port_ok {
        Ok(host)
    } else {
        Err(format!("{:?} is not a server's name", clip(text)))
    }
}

/// A list's rows, to write (see [`crate::Writer::csv`]).
pub fn account_row(kind: ListKind, address: &str, flag: bool) -> Vec<String> {
    match kind {
        ListKind::Following => vec![address.into(), "true".into(), "false".into(), String::new()],
        ListKind::Mutes => vec![address.into(), flag.to_string()],
        _ => vec![address.into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(address: &str, show_boosts: bool, notify: bool, hide: bool) -> Entry {
        Entry::Account {
            address: address.into(),
            show_boosts,
            notify,
            hide_notifications: hide,
        }
    }

    #[test]
    fn mastodons_lists_read_as_they_are_written() {
        let following = "Account address,Show boosts,Notify on new posts,Languages\n\
                         ana@camp.example,true,false,\n\
                         @Bo@Social.Example,false,true,en\n";
        assert_eq!(
            read(ListKind::Following, following.as_bytes()),
            (
                vec![
                    account("ana@camp.example", true, false, false),
                    account("Bo@social.example", false, true, false),
                ],
                vec![]
            )
        );
        let mutes = "Account address,Hide notifications\ncy@x.example,false\n";
        assert_eq!(
            read(ListKind::Mutes, mutes.as_bytes()).0,
            [account("cy@x.example", false, false, false)]
        );
        assert_eq!(
            read(ListKind::Blocks, b"dee@x.example\n").0,
            [account("dee@x.example", false, false, false)]
        );
        assert_eq!(
            read(ListKind::DomainBlocks, b"Spam.Example\nlocalhost:8443\n").0,
            [
                Entry::Domain("spam.example".into()),
                Entry::Domain("localhost:8443".into())
            ]
        );
        assert_eq!(
            read(ListKind::Bookmarks, b"https://x.example/@a/1\n").0,
            [Entry::Post("https://x.example/@a/1".into())]
        );
        assert_eq!(
            read(
                ListKind::Lists,
                b"Book club,ana@camp.example\n\"Family, close\",bo@x.example\n"
            )
            .0,
            [
                Entry::ListMember {
                    list: "Book club".into(),
                    address: "ana@camp.example".into()
                },
                Entry::ListMember {
                    list: "Family, close".into(),
                    address: "bo@x.example".into()
                },
            ]
        );
    }

    #[test]
    fn garbage_rows_are_skipped_with_their_line_and_the_rest_kept() {
        let file = "ana@camp.example\n\
                    not an address\n\
                    \n\
                    <script>@x.example\n\
                    bo@-bad-.example\n\
                    bo@x.example:99999\n\
                    cy@x.example\n";
        let (kept, skipped) = read(ListKind::Blocks, file.as_bytes());
        assert_eq!(
            kept,
            [
                account("ana@camp.example", false, false, false),
                account("cy@x.example", false, false, false)
            ]
        );
        assert_eq!(
            skipped.iter().map(|s| s.line).collect::<Vec<_>>(),
            [2, 4, 5, 6]
        );
        assert!(
            skipped[0].why.contains("not an address"),
            "{:?}",
            skipped[0]
        );

        let (_, skipped) = read(
            ListKind::Bookmarks,
            b"javascript:alert(1)\nhttps://x.example/a b\n",
        );
        assert_eq!(skipped.len(), 2);
        let (_, skipped) = read(ListKind::Lists, b",ana@camp.example\nname-only\n");
        assert_eq!(skipped.len(), 2);
        // Bytes that are not UTF-8 are a skipped row, not a failure of the whole file.
        let (kept, skipped) = read(ListKind::DomainBlocks, b"\xff\xfe\n ok.example\n");
        assert_eq!((kept.len(), skipped.len()), (1, 1));
    }

    #[test]
    fn a_file_of_junk_stops_at_the_limit_too() {
        let junk = "x\n".repeat(MAX_ROWS * 3);
        let (kept, skipped) = read(ListKind::Blocks, junk.as_bytes());
        assert_eq!((kept.len(), skipped.len()), (0, MAX_ROWS + 1));
    }

    #[test]
    fn a_list_stops_at_its_limit_and_says_so() {
        let file: String = (0..MAX_ROWS + 5)
            .map(|n| format!("p{n}@x.example\n"))
            .collect();
        let (kept, skipped) = read(ListKind::Blocks, file.as_bytes());
        assert_eq!(kept.len(), MAX_ROWS);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].why.contains("20000"));
    }
}
