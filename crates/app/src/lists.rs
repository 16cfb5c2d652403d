//! A member's lists of people they follow, each a timeline of its own. Only the owner sees or
//! changes a list; another member's list answers as if it did not exist.

use porchlight_core::AccountId;
use porchlight_core::lists::{self, ListError, RepliesPolicy};
use porchlight_db::lists::{self as stored, List, ListId};
use porchlight_db::social::{self, Person};

use crate::{App, AppError, AppResult};

impl From<ListError> for AppError {
    fn from(e: ListError) -> AppError {
        AppError::Invalid(e.to_string())
    }
}

/// What may change about a list; `None` leaves it as it is.
#[derive(Default)]
pub struct ListChanges {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

fn policy(text: Option<&str>) -> AppResult<Option<RepliesPolicy>> {
    text.map(|p| RepliesPolicy::parse(p).ok_or_else(|| ListError::BadRepliesPolicy(p.into())))
        .transpose()
        .map_err(AppError::from)
}

impl App {
    pub fn lists(&self, owner: AccountId) -> AppResult<Vec<List>> {
        Ok(self.db.read(|c| stored::of_owner(c, owner))?)
    }

    pub fn list(&self, owner: AccountId, id: ListId) -> AppResult<List> {
        self.db
            .read(|c| stored::own(c, id, owner))?
            .ok_or(AppError::NotFound)
    }

    /// The owner's lists that `account` is on.
    pub fn lists_with(&self, owner: AccountId, account: AccountId) -> AppResult<Vec<List>> {
        Ok(self.db.read(|c| stored::containing(c, owner, account))?)
    }

    pub fn create_list(&self, owner: AccountId, changes: &ListChanges) -> AppResult<List> {
        let title = lists::check_title(changes.title.as_deref().unwrap_or(""))?;
        let replies = policy(changes.replies_policy.as_deref())?.unwrap_or(RepliesPolicy::List);
        self.db.write(|tx| {
            lists::may_add_list(stored::of_owner(tx, owner)?.len())?;
            let id = stored::create(
                tx,
                owner,
                &title,
                replies,
                changes.exclusive.unwrap_or(false),
                porchlight_db::now(),
            )?;
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)
        })
    }

    pub fn update_list(
        &self,
        owner: AccountId,
        id: ListId,
        changes: &ListChanges,
    ) -> AppResult<List> {
        let title = changes
            .title
            .as_deref()
            .map(lists::check_title)
            .transpose()?;
        let replies = policy(changes.replies_policy.as_deref())?;
        self.db.write(|tx| {
            let list = stored::own(tx, id, owner)?.ok_or(AppError::NotFound)?;
            stored::update(
                tx,
                id,
                title.as_deref().unwrap_or(&list.title),
                replies.unwrap_or(list.replies_policy),
                changes.exclusive.unwrap_or(list.exclusive),
            )?;
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)
        })
    }

    pub fn delete_list(&self, owner: AccountId, id: ListId) -> AppResult<()> {
        self.db.write(|tx| {
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)?;
            stored::delete(tx, id)?;
            Ok(())
        })
    }

    /// The people on a list.
    pub fn list_members(&self, owner: AccountId, id: ListId) -> AppResult<Vec<Person>> {
        self.db.read(|c| {
            stored::own(c, id, owner)?.ok_or(AppError::NotFound)?;
            let mut people = Vec::new();
            for account in stored::members(c, id)? {
                if let Some(p) = social::person(c, account)? {
                    people.push(p);
                }
            }
            Ok(people)
        })
    }

    /// Puts people on a list: all of them (each must be followed), or none.
    pub fn add_to_list(&self, owner: AccountId, id: ListId, people: &[AccountId]) -> AppResult<()> {
        self.db.write(|tx| {
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)?;
            let mut all_followed = true;
            for &account in people {
                all_followed &= social::follows(tx, owner, account)?;
            }
            let on_it = stored::members(tx, id)?;
            let adding = people.iter().filter(|a| !on_it.contains(a)).count();
            lists::may_add_members(on_it.len(), adding, all_followed)?;
            for &account in people {
                stored::add_member(tx, id, account)?;
            }
            Ok(())
        })
    }

    pub fn remove_from_list(
        &self,
        owner: AccountId,
        id: ListId,
        people: &[AccountId],
    ) -> AppResult<()> {
        self.db.write(|tx| {
            stored::own(tx, id, owner)?.ok_or(AppError::NotFound)?;
            for &account in people {
                stored::remove_member(tx, id, account)?;
            }
            Ok(())
        })
    }
}
