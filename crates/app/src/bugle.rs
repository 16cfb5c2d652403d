//! The bugle: any member sends one private message to every other member who wants to hear it,
//! a few times a day (`core::bugle` decides who hears and when it may sound). It is a post for
//! "mentioned only", reaching each listener as a mention, so pages and apps show it as the
//! direct message it is, and it never leaves the camp (every listener is a member here).

use porchlight_core::audience::Audience;
use porchlight_core::bugle::{self as rules, BugleRefusal};
use porchlight_core::{AccountId, PostId};
use porchlight_db::accounts;
use porchlight_db::{Connection, now};

use crate::member_care::{check_action, log};
use crate::posting::Compose;
use crate::{Acting, App, AppError, AppResult};
use porchlight_core::moderation::MemberAction;

/// What the bugle's page tells a member before they sound it.
pub struct BugleStatus {
    /// How many would hear it now.
    pub listeners: usize,
    pub left_today: usize,
    /// Why it would not sound now, if it would not.
    pub refusal: Option<BugleRefusal>,
}

/// The members who hear `sounder`'s bugle.
fn listeners(conn: &Connection, sounder: AccountId) -> AppResult<Vec<AccountId>> {
    let mut out = Vec::new();
    for m in accounts::list_members(conn, 0, 1000)? {
        let blocks = porchlight_db::muting::blocks(conn, m.id, sounder)?;
        if rules::hears(
            m.id == sounder,
            m.bugle_off,
            m.suspended_at.is_some(),
            blocks,
        ) {
            out.push(m.id);
        }
    }
    Ok(out)
}

/// A refusal in words for the page.
pub fn explain(refusal: BugleRefusal) -> String {
    match refusal {
        BugleRefusal::Taken => {
            "The camp's hosts have taken the bugle from you. Talk to them if you think this is a \
             mistake."
                .into()
        }
        BugleRefusal::TooOften { again_at } => format!(
            "You have sounded the bugle {} times in the last day; you can sound it again {}.",
            rules::BUGLES_PER_DAY,
            in_words(again_at - now())
        ),
        // Neutral on purpose: who blocked the sounder is not theirs to learn from here.
        BugleRefusal::NobodyToHear => "Nobody would hear it right now: no one else in the camp \
             is listening to the bugle."
            .into(),
    }
}

/// "in 3 hours", "in 20 minutes", "in a minute".
fn in_words(secs: i64) -> String {
    match secs {
        s if s >= 2 * 3600 => format!("in {} hours", s / 3600),
        s if s >= 3600 => "in an hour".into(),
        s if s >= 120 => format!("in {} minutes", s / 60),
        _ => "in a minute".into(),
    }
}

impl App {
    pub fn bugle_status(&self, by: AccountId) -> AppResult<BugleStatus> {
        self.db.read(|c| {
            let me = accounts::member_by_id(c, by)?.ok_or(AppError::NotSignedIn)?;
            let recent = accounts::bugles_since(c, by, now() - rules::WINDOW_SECS)?;
            let listeners = listeners(c, by)?.len();
            Ok(BugleStatus {
                listeners,
                left_today: rules::left_today(&recent, now()),
                refusal: rules::may_sound(me.bugle_taken, &recent, listeners, now()).err(),
            })
        })
    }

    /// Sounds the bugle: `text` goes as one private message to every member who hears it.
    pub fn sound_bugle(&self, by: AccountId, text: &str) -> AppResult<PostId> {
        if text.trim().is_empty() {
            return Err(AppError::Invalid("Write what the bugle says.".into()));
        }
        self.write_and_send(|tx, fed| {
            let me = accounts::member_by_id(tx, by)?.ok_or(AppError::NotSignedIn)?;
            let recent = accounts::bugles_since(tx, by, now() - rules::WINDOW_SECS)?;
            let heard_by = listeners(tx, by)?;
            rules::may_sound(me.bugle_taken, &recent, heard_by.len(), now())
                .map_err(|r| AppError::Invalid(explain(r)))?;
            let id = self.post_in(
                tx,
                fed,
                by,
                &Compose {
                    text,
                    content_warning: "",
                    audience: Audience::Direct,
                    in_reply_to: None,
                    media: &[],
                    poll: None,
                    event: None,
                },
                None,
                &heard_by,
            )?;
            // The bugle is the camp's: a mention of someone elsewhere would carry it out of the
            // camp (the whole transaction, deliveries included, is undone).
            if porchlight_db::posts::mentions_elsewhere(tx, id)? {
                return Err(AppError::Invalid(
                    "The bugle stays in the camp: write to people on other servers in a post of \
                     its own."
                        .into(),
                ));
            }
            accounts::record_bugle(tx, by, id, now())?;
            Ok(id)
        })
    }

    /// A member turns the bugle on or off for themself.
    pub fn set_hears_bugle(&self, id: AccountId, hears: bool) -> AppResult<()> {
        self.db.write(|tx| {
            accounts::set_bugle_off(tx, id, !hears)?;
            Ok(())
        })
    }

    /// A host or moderator takes the bugle from a member who misuses it, or gives it back.
    pub fn set_bugle_taken(&self, by: Acting, member: AccountId, taken: bool) -> AppResult<()> {
        self.db.write(|tx| {
            let (target, actor) = check_action(tx, by, MemberAction::Warn, member)?;
            accounts::set_bugle_taken(tx, member, taken)?;
            log(
                tx,
                &actor,
                if taken {
                    "took the bugle from"
                } else {
                    "gave the bugle back to"
                },
                &format!("@{}", target.username),
                "",
            )
        })
    }
}
