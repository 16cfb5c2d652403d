//! Keyword filters: a member's own, applied to what the API shows them (hidden, or flagged with
//! the filter's name so the app can warn).

use porchlight_core::filters::{self, Action, Context, FilterError, MAX_FILTERS, MAX_KEYWORDS};
use porchlight_core::{AccountId, PostId};
use porchlight_db::filters::{self as stored, Filter, FilterId, Keyword};
use porchlight_db::now;

use crate::{App, AppError, AppResult};

impl From<FilterError> for AppError {
    fn from(e: FilterError) -> AppError {
        AppError::Invalid(e.to_string())
    }
}

/// A change to a keyword of a filter: new words, or an existing one changed or removed.
pub enum KeywordChange {
    Add {
        keyword: String,
        whole_word: bool,
    },
    Change {
        id: i64,
        keyword: Option<String>,
        whole_word: Option<bool>,
    },
    Remove {
        id: i64,
    },
}

/// What a filter is to be; `None` leaves a field as it is (or takes the default, for a new one).
#[derive(Default)]
pub struct FilterInput {
    pub title: Option<String>,
    pub contexts: Option<Vec<String>>,
    pub action: Option<String>,
    /// Seconds from now; `Some(None)` for never.
    pub expires_in: Option<Option<i64>>,
    pub keywords: Vec<KeywordChange>,
}

/// A post a filter matched, and the keywords that did.
pub struct Match {
    pub post: PostId,
    pub filter: Filter,
    pub keywords: Vec<String>,
}

impl App {
    pub fn filters(&self, owner: AccountId) -> AppResult<Vec<Filter>> {
        Ok(self.db.read(|c| stored::of_member(c, owner, None))?)
    }

    pub fn filter(&self, owner: AccountId, id: FilterId) -> AppResult<Filter> {
        self.db
            .read(|c| stored::own(c, id, owner))?
            .ok_or(AppError::NotFound)
    }

    pub fn create_filter(&self, owner: AccountId, input: &FilterInput) -> AppResult<Filter> {
        let title = filters::check_text("A title", input.title.as_deref().unwrap_or(""))?;
        let contexts = filters::check_contexts(input.contexts.as_deref().unwrap_or(&[]))?;
        let action = action(input.action.as_deref())?.unwrap_or(Action::Warn);
        let expires_at = expires_at(input.expires_in)?.flatten();
        self.db.write(|tx| {
            if stored::of_member(tx, owner, None)?.len() >= MAX_FILTERS {
                return Err(FilterError::TooMany {
                    what: "filters",
                    max: MAX_FILTERS,
                }
                .into());
            }
            let id = stored::create(tx, owner, &title, &contexts, action, expires_at, now())?;
            change_keywords(tx, id, &input.keywords)?;
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)
        })
    }

    pub fn update_filter(
        &self,
        owner: AccountId,
        id: FilterId,
        input: &FilterInput,
    ) -> AppResult<Filter> {
        let title = input
            .title
            .as_deref()
            .map(|t| filters::check_text("A title", t))
            .transpose()?;
        let contexts = input
            .contexts
            .as_deref()
            .map(filters::check_contexts)
            .transpose()?;
        let action = action(input.action.as_deref())?;
        let expires = expires_at(input.expires_in)?;
        self.db.write(|tx| {
            let f = stored::own(tx, id, owner)?.ok_or(AppError::NotFound)?;
            stored::update(
                tx,
                id,
                title.as_deref().unwrap_or(&f.title),
                contexts.as_deref().unwrap_or(&f.contexts),
                action.unwrap_or(f.action),
                expires.unwrap_or(f.expires_at),
            )?;
            for change in &input.keywords {
                if let KeywordChange::Change { id: k, .. } | KeywordChange::Remove { id: k } =
                    change
                    && !f.keywords.iter().any(|w| w.id == *k)
                {
                    return Err(AppError::NotFound);
                }
            }
            change_keywords(tx, id, &input.keywords)?;
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)
        })
    }

    pub fn delete_filter(&self, owner: AccountId, id: FilterId) -> AppResult<()> {
        self.db.write(|tx| {
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)?;
            stored::delete(tx, id)?;
            Ok(())
        })
    }

    /// A keyword of one of the member's filters, with the filter it is in.
    pub fn filter_keyword(&self, owner: AccountId, id: i64) -> AppResult<(FilterId, Keyword)> {
        self.db.read(|c| {
            let filter = stored::keyword_owner(c, id, owner)?.ok_or(AppError::NotFound)?;
            let f = stored::own(c, filter, owner)?.ok_or(AppError::NotFound)?;
            let k = f.keywords.into_iter().find(|k| k.id == id);
            Ok((filter, k.ok_or(AppError::NotFound)?))
        })
    }

    /// Adds, changes or removes keywords of one filter of the member's.
    pub fn change_filter_keywords(
        &self,
        owner: AccountId,
        filter: FilterId,
        changes: Vec<KeywordChange>,
    ) -> AppResult<Filter> {
        self.update_filter(
            owner,
            filter,
            &FilterInput {
                keywords: changes,
                ..FilterInput::default()
            },
        )
    }

    /// Which of `posts` the member's filters for `context` match. Costs one query when the
    /// member has no filter.
    pub fn filter_matches(
        &self,
        owner: AccountId,
        context: Context,
        posts: &[PostId],
    ) -> AppResult<Vec<Match>> {
        let now = now();
        if posts.is_empty() || !self.db.read(|c| stored::any_in_force(c, owner, now))? {
            return Ok(Vec::new());
        }
        let (in_force, texts) = self.db.read(|c| {
            Ok::<_, porchlight_db::Error>((
                stored::of_member(c, owner, Some(now))?,
                stored::texts_of(c, posts)?,
            ))
        })?;
        let mut found = Vec::new();
        for f in in_force.iter().filter(|f| f.contexts.contains(&context)) {
            for (post, text) in &texts {
                let words: Vec<String> = f
                    .keywords
                    .iter()
                    .filter(|k| filters::matches(&k.keyword, k.whole_word, text))
                    .map(|k| k.keyword.clone())
                    .collect();
                if !words.is_empty() {
                    found.push(Match {
                        post: *post,
                        filter: f.clone(),
                        keywords: words,
                    });
                }
            }
        }
        Ok(found)
    }
}

fn action(text: Option<&str>) -> AppResult<Option<Action>> {
    text.map(|a| Action::parse(a).ok_or_else(|| FilterError::BadAction(a.into())))
        .transpose()
        .map_err(AppError::from)
}

/// When a filter given `expires_in` ends: `None` if not given, `Some(None)` for never.
fn expires_at(expires_in: Option<Option<i64>>) -> AppResult<Option<Option<i64>>> {
    match expires_in {
        Some(Some(seconds)) if seconds < 0 => Err(AppError::Invalid(
            "A filter lasts a number of seconds, or for good.".into(),
        )),
        Some(Some(seconds)) if seconds > 0 => Ok(Some(Some(now().saturating_add(seconds)))),
        Some(_) => Ok(Some(None)),
        None => Ok(None),
    }
}

fn change_keywords(
    tx: &porchlight_db::Transaction,
    filter: FilterId,
    changes: &[KeywordChange],
) -> AppResult<()> {
    for change in changes {
        match change {
            KeywordChange::Add {
                keyword,
                whole_word,
            } => {
                let keyword = filters::check_text("A keyword", keyword)?;
                stored::add_keyword(tx, filter, &keyword, *whole_word)?;
            }
            KeywordChange::Change {
                id,
                keyword,
                whole_word,
            } => {
                let current = stored::of_member_keyword(tx, *id)?.ok_or(AppError::NotFound)?;
                let keyword = match keyword {
                    Some(k) => filters::check_text("A keyword", k)?,
                    None => current.keyword,
                };
                stored::update_keyword(
                    tx,
                    *id,
                    &keyword,
                    whole_word.unwrap_or(current.whole_word),
                )?;
            }
            KeywordChange::Remove { id } => stored::delete_keyword(tx, *id)?,
        }
    }
    let count: usize = stored::keyword_count(tx, filter)?;
    if count > MAX_KEYWORDS {
        return Err(FilterError::TooMany {
            what: "keywords in a filter",
            max: MAX_KEYWORDS,
        }
        .into());
    }
    Ok(())
}
