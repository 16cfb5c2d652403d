//! One pass of html5ever's tokenizer over remote HTML, giving its tokens as a list. Link
//! previews and the sanitizer both read HTML token by token; sharing this one sink keeps one
//! copy of the tokenizer in the appliance's binary (each sink type is a copy of its own).
//! Elements whose contents are not markup (scripts, styles, a title) are read as raw text, as a
//! browser reads them.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

pub use html5ever::tokenizer::{Tag, TagKind as Kind, Token as Item};

struct Collector(RefCell<Vec<Token>>);

/// How the tokenizer must read what follows a start tag, for elements whose contents are text.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(RawKind::Rawtext),
        "title" | "textarea" => Some(RawKind::Rcdata),
        _ => None,
    }
}

impl TokenSink for Collector {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let raw = match &token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => raw_kind(&tag.name),
            _ => None,
        };
        match token {
            Token::ParseError(_) | Token::CommentToken(_) | Token::DoctypeToken(_) => {}
            token => self.0.borrow_mut().push(token),
        }
        match raw {
            Some(kind) => TokenSinkResult::RawData(kind),
            None => TokenSinkResult::Continue,
        }
    }
}

/// The tags and text of `html`, in order (comments, doctypes and parse errors left out).
pub fn tokens(html: &str) -> Vec<Token> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(
        Collector(RefCell::new(Vec::new())),
        TokenizerOpts::default(),
    );
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Whether a tag's contents are never shown (read as raw text above).
pub fn hides_contents(name: &str) -> bool {
    raw_kind(name).is_some() && name != "textarea"
}

/// The value of a tag's attribute, or "".
pub fn attr(tag: &Tag, name: &str) -> String {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.to_string())
        .unwrap_or_default()
}
