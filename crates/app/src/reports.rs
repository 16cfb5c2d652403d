//! Reports: a member reports a post or a person (from the web or an app), a server elsewhere
//! reports one of ours (`Flag`, read by `federation`), and hosts and moderators handle them from
//! one queue. A report only carries posts its reporter could see, copied as they were, so that
//! moderators see the evidence even if it is edited or deleted, and nobody reads through a
//! report what they could not read anyway.

use porchlight_core::audience::Role;
use porchlight_core::moderation::{
    self as rules, MAX_REPORT_COMMENT, MAX_REPORTED_POSTS, MemberAction, ReportOutcome,
    ReportReason,
};
use porchlight_core::{AccountId, PostId};
use porchlight_db::federation::{self as fedstore, BlockLevel, DomainBlock};
use porchlight_db::moderation::{self as store, NewReport, Report, ReportedPost};
use porchlight_db::timeline::{self, Reader};
use porchlight_db::{accounts, now, posts};
use porchlight_federation::outbox;

use crate::member_care::{check_action, log, suspend_in};
use crate::members::require_acting;
use crate::{Acting, App, AppError, AppResult, bounded};

/// What a member says in a report.
pub struct NewMemberReport<'a> {
    pub target: AccountId,
    pub posts: &'a [PostId],
    /// `rule`, `spam` or `other` (Mastodon's `violation` and `legal` are read too).
    pub category: &'a str,
    /// The code of conduct's rule it breaks (1-based), for `rule`.
    pub rule: Option<u32>,
    pub comment: &'a str,
    /// Send it on to the server of someone elsewhere, too (without naming the reporter).
    pub forward: bool,
}

/// A report with its posts, as the queue shows it.
pub struct ReportCase {
    pub report: Report,
    pub posts: Vec<ReportedPost>,
    /// The rule it names, in words.
    pub rule_text: Option<String>,
}

impl App {
    /// The code of conduct as numbered rules (the report form and the API's instance rules).
    pub fn rules(&self) -> AppResult<Vec<String>> {
        Ok(rules::rules(&self.site()?.code_of_conduct))
    }

    /// Files a report from a member. Returns its id.
    pub fn report(&self, by: AccountId, new: &NewMemberReport) -> AppResult<i64> {
        let comment = bounded("The comment", new.comment, MAX_REPORT_COMMENT)?;
        if new.posts.len() > MAX_REPORTED_POSTS {
            return Err(AppError::Invalid(format!(
                "A report can name at most {MAX_REPORTED_POSTS} posts."
            )));
        }
        let rule_count = self.rules()?.len();
        let reason =
            ReportReason::parse(new.category, new.rule, rule_count).map_err(AppError::Invalid)?;
        self.write_and_send(|tx, fed| {
            if by == new.target {
                return Err(AppError::Invalid("You cannot report yourself.".into()));
            }
            let target = fedstore::remote_by_id(tx, new.target)?;
            let is_member = accounts::member_by_id(tx, new.target)?.is_some();
            if target.is_none() && !is_member {
                return Err(AppError::NotFound);
            }
            // Only posts the reporter can see, and only the reported person's.
            let mut shown = Vec::new();
            for &id in new.posts {
                let post = timeline::post(tx, id, Reader::member(by))?
                    .filter(|p| p.author.id == new.target)
                    .ok_or_else(|| {
                        AppError::Invalid(
                            "One of the posts is not there, or is not by the person you report."
                                .into(),
                        )
                    })?;
                shown.push((id, post.html));
            }
            let forward = new.forward && target.is_some() && fed.is_some();
            let id = store::insert_report(
                tx,
                &NewReport {
                    reporter: Some(by),
                    from_domain: None,
                    uri: None,
                    target: new.target,
                    reason,
                    comment: comment.trim(),
                    forwarded: forward,
                    posts: &shown,
                },
                now(),
            )?;
            if forward && let Some(me) = fed {
                let post_uris: Vec<String> = new
                    .posts
                    .iter()
                    .filter_map(|&p| fedstore::post_uri(tx, p).ok().flatten())
                    .collect();
                outbox::flag(tx, me, id, new.target, &post_uris, comment.trim(), now())?;
            }
            Ok(id)
        })
    }

    /// The open reports (oldest first) or the handled ones (newest first), for hosts and
    /// moderators.
    pub fn reports(&self, by: Acting, open: bool) -> AppResult<Vec<ReportCase>> {
        let rules = self.rules()?;
        self.db.read(|c| {
            require_acting(c, by, Role::Moderator)?;
            store::reports(c, open, 100)?
                .into_iter()
                .map(|report| case(c, report, &rules))
                .collect()
        })
    }

    pub fn report_case(&self, by: Acting, id: i64) -> AppResult<ReportCase> {
        let rules = self.rules()?;
        self.db.read(|c| {
            require_acting(c, by, Role::Moderator)?;
            let report = store::report(c, id)?.ok_or(AppError::NotFound)?;
            case(c, report, &rules)
        })
    }

    pub fn open_report_count(&self) -> AppResult<u32> {
        Ok(self.db.read(store::open_report_count)?)
    }

    /// Handles a report: does what the outcome says (remove the posts, warn with `message`,
    /// suspend, block the server), marks it handled and tells the reporter, all at once or not
    /// at all. A report already handled is refused.
    pub fn resolve_report(
        &self,
        by: AccountId,
        id: i64,
        outcome: ReportOutcome,
        message: &str,
    ) -> AppResult<()> {
        let message = bounded("The message", message, MAX_REPORT_COMMENT)?;
        let acting = Acting::Member(by);
        self.write_and_send(|tx, fed| {
            require_acting(tx, acting, Role::Moderator)?;
            let report = store::report(tx, id)?.ok_or(AppError::NotFound)?;
            if report.resolved.is_some() {
                return Err(AppError::Invalid("This report was already handled.".into()));
            }
            let actor = crate::member_care::actor_name(tx, acting)?;
            let who = format!("@{}", report.target_handle);
            // A report about a host or moderator is a host's to handle, even to dismiss: a
            // moderator must not be able to bury one about staff (or about themselves).
            if report.target_is_local {
                let handler = require_acting(tx, acting, Role::Moderator).map(|_| ());
                let target_role = accounts::member_by_id(tx, report.target)?.map(|m| m.role);
                let handler_role = accounts::member_by_id(tx, by)?.map(|m| m.role);
                handler?;
                if target_role >= Some(Role::Moderator) && handler_role < Some(Role::Host) {
                    return Err(AppError::Forbidden(
                        "This report is about a host or moderator: only a host can handle it."
                            .into(),
                    ));
                }
            }
            match outcome {
                ReportOutcome::Dismissed => {}
                ReportOutcome::PostsRemoved => {
                    let reported = store::reported_posts(tx, id)?;
                    if reported.iter().all(|p| p.post_id.is_none()) {
                        return Err(AppError::Invalid(
                            "This report names no post that is still there.".into(),
                        ));
                    }
                    if report.target_is_local {
                        check_action(tx, acting, MemberAction::Suspend, report.target)?;
                    }
                    for post in reported.iter().filter_map(|p| p.post_id) {
                        if let Some(me) = fed {
                            outbox::post_deleting(tx, me, post, now())?;
                        }
                        posts::delete_post(tx, post)?;
                    }
                    log(tx, &actor, "removed reported posts by", &who, &message)?;
                }
                ReportOutcome::Warned => {
                    if !report.target_is_local {
                        return Err(AppError::Invalid(
                            "Only members of this camp can be warned.".into(),
                        ));
                    }
                    if message.trim().is_empty() {
                        return Err(AppError::Invalid(
                            "Write the message the member will read.".into(),
                        ));
                    }
                    check_action(tx, acting, MemberAction::Warn, report.target)?;
                    store::warn(tx, report.target, by, message.trim(), Some(id), now())?;
                    log(tx, &actor, "warned", &who, &message)?;
                }
                ReportOutcome::Suspended => {
                    if report.target_is_local {
                        suspend_in(tx, fed, acting, report.target, &message)?;
                    } else {
                        // Someone elsewhere: hidden here, as a member would be.
                        store::set_suspended(tx, report.target, Some(now()))?;
                        log(tx, &actor, "suspended", &who, &message)?;
                    }
                }
                ReportOutcome::ServerBlocked => {
                    let Some(domain) = report
                        .target_handle
                        .split_once('@')
                        .map(|(_, d)| d.to_string())
                    else {
                        return Err(AppError::Invalid(
                            "This person is a member here; there is no server to block.".into(),
                        ));
                    };
                    require_acting(tx, acting, Role::Host)?;
                    crate::moderation::apply_block(
                        tx,
                        &DomainBlock {
                            domain: domain.clone(),
                            level: BlockLevel::Suspend,
                            reason: message.trim().to_string(),
                            created_at: now(),
                        },
                    )?;
                    log(tx, &actor, "blocked the server", &domain, &message)?;
                }
            }
            store::resolve_report(tx, id, Some(by), outcome, now())?;
            log(
                tx,
                &actor,
                &format!("handled a report ({})", outcome.told_to_reporter()),
                &who,
                "",
            )
        })
    }
}

fn case(
    conn: &porchlight_db::Connection,
    report: Report,
    rules: &[String],
) -> AppResult<ReportCase> {
    let posts = store::reported_posts(conn, report.id)?;
    let rule_text = report
        .reason
        .rule()
        .and_then(|n| rules.get(n as usize - 1).cloned());
    Ok(ReportCase {
        report,
        posts,
        rule_text,
    })
}
