//! Which notifications a Web Push subscription gets: Mastodon's alert names and policies, as
//! one pure rule for the API (which checks what an app asks for) and the pusher.

use crate::views::NotificationKind;

/// The alerts an app may ask for. Porchlight makes the first four kinds and `poll`; the rest are accepted
/// (apps send them all) and simply never happen yet.
pub const ALERTS: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
];

/// From whom a subscription wants pushes.
pub const POLICIES: &[&str] = &["all", "followed", "follower", "none"];

/// The alert a kind of notification is pushed under.
pub fn alert_of(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Mention | NotificationKind::Reply => "mention",
        NotificationKind::Follow => "follow",
        NotificationKind::Boost => "reblog",
        NotificationKind::Favourite => "favourite",
        NotificationKind::Poll => "poll",
        NotificationKind::Report => "admin.report",
        // Mastodon has no alert for these: they are read on the page or in the app.
        NotificationKind::Warning | NotificationKind::ReportHandled => "moderation",
        // An event's reminder names its post, as Mastodon's "status" alert does.
        NotificationKind::Event => "status",
    }
}

/// Whether a notification is pushed: its alert is asked for, and its sender passes the policy
/// (`followed`: the member follows them; `follower`: they follow the member).
pub fn wanted(
    kind: NotificationKind,
    alerts: &[String],
    policy: &str,
    followed: bool,
    follower: bool,
) -> bool {
    let asked = alerts.iter().any(|a| a == alert_of(kind));
    let from_ok = match policy {
        "all" => true,
        "followed" => followed,
        "follower" => follower,
        _ => false,
    };
    asked && from_ok
}

/// The title a phone shows for a notification from `name`.
pub fn title(kind: NotificationKind, name: &str) -> String {
    match kind {
        NotificationKind::Mention => format!("{name} mentioned you"),
        NotificationKind::Reply => format!("{name} replied to you"),
        NotificationKind::Follow => format!("{name} followed you"),
        NotificationKind::Boost => format!("{name} boosted your post"),
        NotificationKind::Favourite => format!("{name} favourited your post"),
        NotificationKind::Poll => format!("A poll by {name} has ended"),
        NotificationKind::Report => format!("A new report about {name}"),
        NotificationKind::Warning => "A message from your camp's hosts".to_string(),
        NotificationKind::ReportHandled => "Your report was handled".to_string(),
        NotificationKind::Event => format!("{name}'s event starts within the hour"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotificationKind::*;

    #[test]
    fn a_push_goes_only_where_the_subscription_asked() {
        let mentions = vec!["mention".to_string()];
        let all: Vec<String> = ALERTS.iter().map(|a| a.to_string()).collect();
        // (kind, alerts, policy, followed, follower, pushed)
        type Case<'a> = (NotificationKind, &'a [String], &'a str, bool, bool, bool);
        let cases: &[Case] = &[
            (Mention, &mentions, "all", false, false, true),
            (Reply, &mentions, "all", false, false, true),
            (Follow, &mentions, "all", true, true, false),
            (Favourite, &all, "all", false, false, true),
            (Boost, &all, "none", true, true, false),
            (Mention, &all, "followed", false, true, false),
            (Mention, &all, "followed", true, false, true),
            (Mention, &all, "follower", true, false, false),
            (Mention, &all, "follower", false, true, true),
            (Mention, &[], "all", true, true, false),
            (Mention, &all, "garbled", true, true, false),
        ];
        for (kind, alerts, policy, followed, follower, pushed) in cases {
            assert_eq!(
                wanted(*kind, alerts, policy, *followed, *follower),
                *pushed,
                "{kind:?} {alerts:?} {policy}"
            );
        }
        assert_eq!(title(Favourite, "Mo"), "Mo favourited your post");
    }
}
