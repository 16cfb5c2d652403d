//! Polls: voting, and announcing the end of polls (to their voters and author here, and with
//! the final counts to the servers that have a poll of ours).

use porchlight_core::polls::{check_choices, has_ended};
use porchlight_core::{AccountId, PostId, UnixTime};
use porchlight_db::polls;
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::timeline::{self, Reader};
use porchlight_federation::outbox::{self, LocalActor};

use crate::{App, AppError, AppResult};

impl App {
    /// Votes in a poll as a member: `choices` are option positions. A poll elsewhere hears of
    /// the vote from this camp (its server counts it); the member's choices are kept here.
    pub fn vote(&self, voter: AccountId, post: PostId, choices: &[usize]) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            let view =
                timeline::post(tx, post, Reader::member(voter))?.ok_or(AppError::NotFound)?;
            let poll = polls::facts(tx, post)?.ok_or(AppError::NotFound)?;
            if view.author.id == voter {
                return Err(AppError::Invalid(
                    "You cannot vote in your own poll.".into(),
                ));
            }
            let now = porchlight_db::now();
            let chosen = check_choices(
                choices,
                poll.options,
                poll.multiple,
                polls::has_voted(tx, post, voter)?,
                has_ended(poll.expires_at, poll.closed, now),
            )
            .map_err(AppError::Invalid)?;
            polls::vote(tx, post, voter, &chosen, now)?;
            if let Some(me) = fed
                && view.author.domain.is_some()
            {
                let member =
                    porchlight_db::accounts::member_by_id(tx, voter)?.ok_or(AppError::NotFound)?;
                let titles = polls::titles(tx, post)?;
                let options: Vec<(usize, String)> = chosen
                    .iter()
                    .filter_map(|&c| titles.get(c).map(|t| (c, t.clone())))
                    .collect();
                outbox::voted(
                    tx,
                    me,
                    LocalActor {
                        id: voter,
                        username: &member.username,
                    },
                    post,
                    &options,
                    now,
                )?;
            }
            Ok(())
        })
    }

    /// Announces every poll whose end has come by `now` and was not announced yet: its voters
    /// here and (for a poll of ours) its author are notified, and a poll of ours is sent again
    /// as closed, with its final counts, to those who have it. Returns how many ended. The
    /// workers call this every few seconds with the clock's time.
    pub fn end_polls(&self, now: UnixTime) -> AppResult<usize> {
        let due = self.read(|c| polls::due_to_end(c, now, 50))?;
        let mut ended = 0;
        for post in due {
            // `now` says which polls are due; what is written carries the clock's time (a
            // delivery job dated later would wait for it).
            let clock = porchlight_db::now();
            let done = self.write_and_send(|tx, fed| {
                if !polls::mark_ended(tx, post, clock)? {
                    return Ok(false);
                }
                let Some(author) = porchlight_db::federation::post_author(tx, post)? else {
                    return Ok(false);
                };
                let ours = porchlight_db::accounts::member_by_id(tx, author)?.is_some();
                for voter in polls::voters(tx, post)? {
                    social::notify(tx, voter, NotificationKind::Poll, author, Some(post), clock)?;
                }
                if ours {
                    social::notify(
                        tx,
                        author,
                        NotificationKind::Poll,
                        author,
                        Some(post),
                        clock,
                    )?;
                    if let Some(me) = fed {
                        outbox::post_updated(tx, me, post, clock)?;
                    }
                }
                Ok(true)
            })?;
            ended += done as usize;
        }
        Ok(ended)
    }
}
