//! The visibility model (DESIGN.md §3): one place decides who may see a post, where it is listed,
//! who may boost or reply to it, and which audience a reply or boost may take. Pages, search,
//! notifications and (later) federation and the client API all ask these functions.

use serde::{Deserialize, Serialize};

/// Who a post is for, narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// The author and the accounts mentioned in it.
    Direct,
    /// The author, their followers and the accounts mentioned.
    Followers,
    /// Members of this server only; never leaves the server.
    Local,
    /// Members of this camp and of the camps in its neighborhood (docs/NEIGHBORHOODS.md); it
    /// goes only to the neighbor camps and is served only to their signed requests.
    Neighborhood,
    /// Anyone with the link, but kept out of timelines and hashtag pages.
    Unlisted,
    /// Anyone.
    Public,
}

impl Audience {
    pub const ALL: [Audience; 6] = [
        Audience::Public,
        Audience::Unlisted,
        Audience::Neighborhood,
        Audience::Local,
        Audience::Followers,
        Audience::Direct,
    ];

    /// The stable name stored in the database and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Direct => "direct",
            Audience::Followers => "followers",
            Audience::Local => "local",
            Audience::Neighborhood => "neighborhood",
            Audience::Unlisted => "unlisted",
            Audience::Public => "public",
        }
    }

    pub fn parse(name: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// What the composer calls it (short enough for a phone's menu).
    pub fn label(self) -> &'static str {
        match self {
            Audience::Direct => "Mentioned only",
            Audience::Followers => "Followers",
            Audience::Local => "Camp only",
            Audience::Neighborhood => "Neighborhood",
            Audience::Unlisted => "Unlisted",
            Audience::Public => "Public",
        }
    }

    /// One sentence on who will see it.
    pub fn explanation(self) -> &'static str {
        match self {
            Audience::Direct => "only the people you @mention",
            Audience::Followers => "your followers and the people you mention",
            Audience::Local => "members of this camp; it never leaves this server",
            Audience::Neighborhood => "members of this camp and of its neighbor camps, nobody else",
            Audience::Unlisted => "anyone with the link, but kept out of timelines",
            Audience::Public => "anyone, also outside the camp",
        }
    }
}

/// What the server knows about the relation between one viewer and one post. Built by the
/// storage layer from rows; the rules below only read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewer {
    /// A signed-in member of this server (moderators and hosts are members too).
    pub is_member: bool,
    pub is_author: bool,
    pub follows_author: bool,
    pub is_mentioned: bool,
    /// Someone of a camp in this camp's neighborhood, right now: its members on their own camp,
    /// or that camp's signed request. Only the neighborhood audience asks.
    pub is_neighbor: bool,
}

impl Viewer {
    pub const ANONYMOUS: Viewer = Viewer {
        is_member: false,
        is_author: false,
        follows_author: false,
        is_mentioned: false,
        is_neighbor: false,
    };
}

/// Where a post would be shown in a list of posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// The viewer's home timeline: their own posts and those of people they follow.
    Home,
    /// Everything this server's members post for the camp or the public.
    LocalTimeline,
    Hashtag,
    /// An author's profile page.
    Profile,
    /// Full-text search results.
    Search,
    /// Public posts from other servers, by people someone here follows.
    Federated,
    /// The posts of this camp and its neighbor camps for the neighborhood.
    Neighborhood,
}

/// Whether the viewer may read the post at all (its own page, a link, a notification).
pub fn can_view(audience: Audience, viewer: Viewer) -> bool {
    if viewer.is_author {
        return true;
    }
    match audience {
        Audience::Public | Audience::Unlisted => true,
        Audience::Local => viewer.is_member,
        Audience::Neighborhood => viewer.is_member || viewer.is_neighbor,
        Audience::Followers => viewer.follows_author || viewer.is_mentioned,
        Audience::Direct => viewer.is_mentioned,
    }
}

/// Whether the post appears in the given list for this viewer.
pub fn is_listed(audience: Audience, listing: Listing, viewer: Viewer) -> bool {
    if !can_view(audience, viewer) {
        return false;
    }
    match listing {
        Listing::Home => true,
        Listing::LocalTimeline | Listing::Hashtag => {
            matches!(
                audience,
                Audience::Public | Audience::Local | Audience::Neighborhood
            )
        }
        // Direct messages are conversations, not part of anybody's profile.
        Listing::Profile => audience != Audience::Direct,
        // Unlisted posts are found by their link, not by strangers searching.
        Listing::Search => audience != Audience::Unlisted || viewer.is_author,
        // Like any public timeline: what its authors chose to show everyone.
        Listing::Federated => audience == Audience::Public,
        Listing::Neighborhood => audience == Audience::Neighborhood,
    }
}

/// The audience a boost of a post with `audience` gets, or `None` where it may not be boosted.
/// A boost never widens: a camp-only post is boosted only inside the camp, and followers-only or
/// direct posts are not boosted at all (not even by their author, as the boost would show them to
/// the booster's followers).
pub fn boost_audience(audience: Audience) -> Option<Audience> {
    match audience {
        Audience::Public => Some(Audience::Public),
        Audience::Unlisted => Some(Audience::Unlisted),
        Audience::Local => Some(Audience::Local),
        Audience::Neighborhood => Some(Audience::Neighborhood),
        Audience::Followers | Audience::Direct => None,
    }
}

/// Something a viewer may try to do to a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    View,
    Reply,
    Boost,
    Favourite,
    Bookmark,
}

/// Whether the viewer may do `action` to a post with `audience`.
pub fn may(action: Action, audience: Audience, viewer: Viewer) -> bool {
    let visible = can_view(audience, viewer);
    match action {
        Action::View => visible,
        Action::Reply | Action::Favourite | Action::Bookmark => visible && viewer.is_member,
        Action::Boost => visible && viewer.is_member && boost_audience(audience).is_some(),
    }
}

/// The audience a reply starts with: the audience of what it answers.
pub fn default_reply_audience(parent: Audience) -> Audience {
    parent
}

/// Whether a reply to a post with audience `parent` may have audience `chosen`. A reply may
/// narrow the conversation but never carry it to people the parent was not for: a reply to a
/// camp-only post stays in the camp (or goes direct to members), a reply to a neighborhood post
/// stays in the neighborhood (or narrows to the camp), a reply to a followers-only post stays
/// with followers or goes direct, and a reply to a direct message stays direct.
pub fn reply_audience_allowed(parent: Audience, chosen: Audience) -> bool {
    use Audience::*;
    match parent {
        Public => true,
        Unlisted => chosen != Public,
        Local => matches!(chosen, Local | Direct),
        Neighborhood => matches!(chosen, Neighborhood | Local | Direct),
        Followers => matches!(chosen, Followers | Direct),
        Direct => chosen == Direct,
    }
}

/// Whether a member may make `audience` their default (what a post gets when its author does
/// not choose): any but "Mentioned only", which needs an @mention to reach anyone.
pub fn may_be_default(audience: Audience) -> bool {
    audience != Audience::Direct
}

/// What Mastodon's `private` visibility (the lock in every app) means for a member whose default
/// audience is `default`. Apps know four visibilities and "Camp only" is not one of them, so the
/// lock stands for the member's narrow audience: followers-only or the neighborhood if they made
/// that their default, the camp otherwise. Camp-only posts show to apps as `private` (with `local_only`),
/// so what an app reads back and sends again keeps its audience.
pub fn private_meaning(default: Audience) -> Audience {
    match default {
        Audience::Followers => Audience::Followers,
        Audience::Neighborhood => Audience::Neighborhood,
        _ => Audience::Local,
    }
}

/// The audience a post gets when its author chose none, on the web and in apps alike: their
/// default audience; in a reply, the default if a reply may have it, or else the audience of
/// what it answers (a reply keeps to the conversation it joins, never wider).
pub fn unchosen(default: Audience, parent: Option<Audience>) -> Audience {
    match parent {
        Some(parent) if !reply_audience_allowed(parent, default) => default_reply_audience(parent),
        _ => default,
    }
}

/// The audience of a post written in an app: Mastodon's `visibility`, Akkoma's `local`, and the
/// `local_only` flag of glitch-soc and Hometown, for a member whose default is `default`,
/// answering a post for `parent` if it is a reply. An app that chooses nothing gets what the
/// web gives ([`unchosen`]); an app's `private` is the member's private audience
/// ([`private_meaning`]), or, in a reply to a camp-only or followers-only post, that post's
/// audience. `local_only: true` only ever narrows: it keeps a post from leaving the camp, and a
/// followers-only post cannot be kept in the camp (its followers elsewhere are its point), so
/// that is refused rather than shown to the whole camp.
pub fn from_app(
    visibility: Option<&str>,
    local_only: Option<bool>,
    default: Audience,
    parent: Option<Audience>,
) -> Result<Audience, String> {
    use Audience::*;
    let asked = match visibility.unwrap_or("") {
        "" => unchosen(default, parent),
        "local" => Local,
        "neighborhood" => Neighborhood,
        "public" => Public,
        "unlisted" => Unlisted,
        "direct" => Direct,
        "private" => match (parent, local_only) {
            (_, Some(false)) => Followers,
            (Some(parent @ (Local | Neighborhood | Followers)), _) => parent,
            _ => private_meaning(default),
        },
        other => {
            return Err(format!(
                "Validation failed: Visibility {other} is not included in the list"
            ));
        }
    };
    if local_only != Some(true) {
        return Ok(asked);
    }
    match asked {
        Public | Unlisted | Neighborhood | Local => Ok(Local),
        Direct => Ok(Direct),
        Followers => Err(
            "Validation failed: a followers-only post cannot be kept in the camp (local_only); \
             choose the camp or followers"
                .into(),
        ),
    }
}

/// A member's new default from an app (`source[privacy]`), whose default is `current` now.
pub fn default_from_app(privacy: &str, current: Audience) -> Result<Audience, String> {
    match privacy {
        "public" => Ok(Audience::Public),
        "unlisted" => Ok(Audience::Unlisted),
        "private" => Ok(private_meaning(current)),
        "local" => Ok(Audience::Local),
        "neighborhood" => Ok(Audience::Neighborhood),
        other => Err(format!(
            "Validation failed: Privacy {other} cannot be a default (public, unlisted or private)"
        )),
    }
}

/// A member's standing on this server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Member,
    Moderator,
    /// The host (an administrator). There may be several co-hosts.
    Host,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Host => "host",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        [Role::Member, Role::Moderator, Role::Host]
            .into_iter()
            .find(|r| r.as_str() == name)
    }
}

/// Whether a viewer may delete a post. Moderators remove posts they can see; they get no extra
/// power to read followers-only or direct posts.
pub fn can_delete(audience: Audience, viewer: Viewer, role: Option<Role>) -> bool {
    viewer.is_author
        || (matches!(role, Some(Role::Moderator | Role::Host)) && can_view(audience, viewer))
}

/// Only the author edits a post; its audience never changes on edit.
pub fn can_edit(viewer: Viewer) -> bool {
    viewer.is_author
}

#[cfg(test)]
mod tests {

    #[test]
    fn what_an_app_asks_for_becomes_an_audience_never_wider_than_chosen() {
        use Audience::*;
        // (visibility, local_only, member's default, parent, audience)
        // (visibility, local_only, member's default, parent, audience)
        type Case = (
            Option<&'static str>,
            Option<bool>,
            Audience,
            Option<Audience>,
            Audience,
        );
        let cases: &[Case] = &[
            // Nothing chosen: the web's default.
            (None, None, Local, None, Local),
            (None, None, Public, None, Public),
            (Some(""), None, Followers, None, Followers),
            (None, None, Public, Some(Local), Local),
            (None, None, Local, Some(Followers), Followers),
            // A reply with nothing chosen keeps the member's default where a reply may have it.
            (None, None, Local, Some(Public), Local),
            (None, None, Local, Some(Unlisted), Local),
            (None, None, Unlisted, Some(Public), Unlisted),
            (None, None, Public, Some(Unlisted), Unlisted),
            // The lock: the member's private audience.
            (Some("private"), None, Local, None, Local),
            (Some("private"), None, Public, None, Local),
            (Some("private"), None, Unlisted, None, Local),
            (Some("private"), None, Followers, None, Followers),
            (Some("private"), Some(false), Local, None, Followers),
            (Some("private"), Some(true), Local, None, Local),
            // In a reply, the lock keeps a narrow conversation's audience.
            (Some("private"), None, Local, Some(Followers), Followers),
            (Some("private"), None, Followers, Some(Local), Local),
            (Some("private"), None, Local, Some(Public), Local),
            // The rest mean what they say; local_only only narrows.
            (Some("public"), None, Local, None, Public),
            (Some("unlisted"), None, Local, None, Unlisted),
            (Some("direct"), None, Public, None, Direct),
            (Some("local"), None, Public, None, Local),
            (Some("public"), Some(true), Public, None, Local),
            (Some("unlisted"), Some(true), Public, None, Local),
            (Some("direct"), Some(true), Local, None, Direct),
            // The neighborhood: by name, as the lock of a member who made it their default,
            // and the lock in a reply to a neighborhood post; local_only keeps it in the camp.
            (Some("neighborhood"), None, Local, None, Neighborhood),
            (Some("private"), None, Neighborhood, None, Neighborhood),
            (None, None, Neighborhood, None, Neighborhood),
            (
                Some("private"),
                None,
                Local,
                Some(Neighborhood),
                Neighborhood,
            ),
            (None, None, Public, Some(Neighborhood), Neighborhood),
            (None, None, Local, Some(Neighborhood), Local),
            (Some("neighborhood"), Some(true), Local, None, Local),
            (Some("private"), Some(true), Neighborhood, None, Local),
        ];
        for &(visibility, local_only, default, parent, expected) in cases {
            assert_eq!(
                from_app(visibility, local_only, default, parent),
                Ok(expected),
                "{visibility:?} local_only={local_only:?} default={default:?} parent={parent:?}"
            );
        }
        assert!(from_app(Some("everyone"), None, Local, None).is_err());
        // A followers-only post cannot be kept in the camp: refused, not widened to the camp.
        assert!(from_app(Some("private"), Some(true), Followers, None).is_err());
        assert!(from_app(Some("private"), Some(true), Local, Some(Followers)).is_err());
        // For a member whose default is the camp, nothing but a reply within a followers-only
        // conversation (which the conversation's author chose) leaves the camp unless the app
        // asked for it by name.
        for visibility in [None, Some("private"), Some("local")] {
            for parent in [
                None,
                Some(Local),
                Some(Public),
                Some(Unlisted),
                Some(Followers),
            ] {
                let got = from_app(visibility, None, Local, parent).unwrap();
                assert!(
                    matches!(got, Local | Direct)
                        || (parent == Some(Followers) && got == Followers),
                    "{visibility:?} in reply to {parent:?} gave {got:?}"
                );
                // And local_only never widens what was asked.
                if let Ok(narrowed) = from_app(visibility, Some(true), Local, parent) {
                    assert!(matches!(narrowed, Local | Direct), "{narrowed:?}");
                }
            }
        }
    }

    #[test]
    fn defaults_from_apps() {
        use Audience::*;
        assert_eq!(default_from_app("public", Local), Ok(Public));
        assert_eq!(default_from_app("unlisted", Local), Ok(Unlisted));
        assert_eq!(default_from_app("private", Public), Ok(Local));
        assert_eq!(default_from_app("private", Followers), Ok(Followers));
        assert_eq!(default_from_app("local", Public), Ok(Local));
        assert_eq!(default_from_app("neighborhood", Local), Ok(Neighborhood));
        assert_eq!(default_from_app("private", Neighborhood), Ok(Neighborhood));
        assert!(default_from_app("direct", Local).is_err());
        assert!(default_from_app("", Local).is_err());
        assert!(
            Audience::ALL
                .iter()
                .all(|a| may_be_default(*a) == (*a != Direct))
        );
    }

    use super::*;
    use Audience::*;

    /// The kinds of viewer the product talks about, as relations to one post.
    fn viewer(kind: &str) -> Viewer {
        let member = Viewer {
            is_member: true,
            ..Viewer::ANONYMOUS
        };
        match kind {
            "anonymous" => Viewer::ANONYMOUS,
            "member" | "moderator" => member,
            "follower" => Viewer {
                follows_author: true,
                ..member
            },
            "mentioned" => Viewer {
                is_mentioned: true,
                ..member
            },
            "author" => Viewer {
                is_author: true,
                ..member
            },
            "neighbor" => Viewer {
                is_neighbor: true,
                ..Viewer::ANONYMOUS
            },
            other => panic!("unknown viewer kind {other}"),
        }
    }

    const KINDS: [&str; 7] = [
        "anonymous",
        "member",
        "follower",
        "mentioned",
        "author",
        "moderator",
        "neighbor",
    ];

    /// Every audience × every kind of viewer × view, boost, reply and each listing. One row per
    /// audience and action; columns in the order of KINDS. 1 = allowed.
    #[test]
    fn every_audience_for_every_viewer() {
        #[rustfmt::skip]
        let table: &[(Audience, &str, [u8; 7])] = &[
            //                   anon memb foll ment auth mod  neighbor
            (Public,    "view",    [1,   1,   1,   1,   1,   1,   1]),
            (Public,    "boost",   [0,   1,   1,   1,   1,   1,   0]),
            (Public,    "reply",   [0,   1,   1,   1,   1,   1,   0]),
            (Public,    "local",   [1,   1,   1,   1,   1,   1,   1]),
            (Public,    "profile", [1,   1,   1,   1,   1,   1,   1]),
            (Public,    "federated", [1,   1,   1,   1,   1,   1,   1]),
            (Unlisted,  "view",    [1,   1,   1,   1,   1,   1,   1]),
            (Unlisted,  "boost",   [0,   1,   1,   1,   1,   1,   0]),
            (Unlisted,  "reply",   [0,   1,   1,   1,   1,   1,   0]),
            (Unlisted,  "local",   [0,   0,   0,   0,   0,   0,   0]),
            (Unlisted,  "profile", [1,   1,   1,   1,   1,   1,   1]),
            (Unlisted,  "federated", [0,   0,   0,   0,   0,   0,   0]),
            (Neighborhood, "view",    [0,   1,   1,   1,   1,   1,   1]),
            (Neighborhood, "boost",   [0,   1,   1,   1,   1,   1,   0]),
            (Neighborhood, "reply",   [0,   1,   1,   1,   1,   1,   0]),
            (Neighborhood, "local",   [0,   1,   1,   1,   1,   1,   1]),
            (Neighborhood, "profile", [0,   1,   1,   1,   1,   1,   1]),
            (Neighborhood, "federated", [0,   0,   0,   0,   0,   0,   0]),
            (Neighborhood, "neighborhood", [0,   1,   1,   1,   1,   1,   1]),
            (Public,    "neighborhood", [0,   0,   0,   0,   0,   0,   0]),
            (Local,     "view",    [0,   1,   1,   1,   1,   1,   0]),
            (Local,     "boost",   [0,   1,   1,   1,   1,   1,   0]),
            (Local,     "reply",   [0,   1,   1,   1,   1,   1,   0]),
            (Local,     "local",   [0,   1,   1,   1,   1,   1,   0]),
            (Local,     "profile", [0,   1,   1,   1,   1,   1,   0]),
            (Local,     "federated", [0,   0,   0,   0,   0,   0,   0]),
            (Followers, "view",    [0,   0,   1,   1,   1,   0,   0]),
            (Followers, "boost",   [0,   0,   0,   0,   0,   0,   0]),
            (Followers, "reply",   [0,   0,   1,   1,   1,   0,   0]),
            (Followers, "local",   [0,   0,   0,   0,   0,   0,   0]),
            (Followers, "profile", [0,   0,   1,   1,   1,   0,   0]),
            (Followers, "federated", [0,   0,   0,   0,   0,   0,   0]),
            (Direct,    "view",    [0,   0,   0,   1,   1,   0,   0]),
            (Direct,    "boost",   [0,   0,   0,   0,   0,   0,   0]),
            (Direct,    "reply",   [0,   0,   0,   1,   1,   0,   0]),
            (Direct,    "local",   [0,   0,   0,   0,   0,   0,   0]),
            (Direct,    "profile", [0,   0,   0,   0,   0,   0,   0]),
            (Direct,    "federated", [0,   0,   0,   0,   0,   0,   0]),
        ];
        let mut failures = Vec::new();
        for (audience, what, expected) in table {
            for (kind, want) in KINDS.iter().zip(expected) {
                let v = viewer(kind);
                let got = match *what {
                    "view" => may(Action::View, *audience, v),
                    "boost" => may(Action::Boost, *audience, v),
                    "reply" => may(Action::Reply, *audience, v),
                    "local" => is_listed(*audience, Listing::LocalTimeline, v),
                    "profile" => is_listed(*audience, Listing::Profile, v),
                    "federated" => is_listed(*audience, Listing::Federated, v),
                    "neighborhood" => is_listed(*audience, Listing::Neighborhood, v),
                    _ => unreachable!(),
                };
                if got != (*want == 1) {
                    failures.push(format!("{audience:?} {what} by {kind}: got {got}"));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn nothing_listed_is_invisible() {
        let listings = [
            Listing::Home,
            Listing::LocalTimeline,
            Listing::Hashtag,
            Listing::Profile,
            Listing::Search,
            Listing::Federated,
            Listing::Neighborhood,
        ];
        for audience in Audience::ALL {
            for kind in KINDS {
                for listing in listings {
                    if is_listed(audience, listing, viewer(kind)) {
                        assert!(
                            can_view(audience, viewer(kind)),
                            "{audience:?} {listing:?} {kind}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn boosts_never_widen() {
        let width = |a: Audience| match a {
            Direct => 0,
            Followers => 1,
            Local => 2,
            Neighborhood => 3,
            Unlisted => 4,
            Public => 5,
        };
        for audience in Audience::ALL {
            if let Some(boosted) = boost_audience(audience) {
                assert!(
                    width(boosted) <= width(audience),
                    "{audience:?} -> {boosted:?}"
                );
                // A camp-only post must stay camp-only: it may not become unlisted or public.
                if audience == Local {
                    assert_eq!(boosted, Local);
                }
            }
        }
    }

    #[test]
    fn reply_audiences() {
        #[rustfmt::skip]
        let table: &[(Audience, [u8; 6])] = &[
            //             pub unl nbh loc fol dir   (chosen)
            (Public,       [1,  1,  1,  1,  1,  1]),
            (Unlisted,     [0,  1,  1,  1,  1,  1]),
            (Neighborhood, [0,  0,  1,  1,  0,  1]),
            (Local,        [0,  0,  0,  1,  0,  1]),
            (Followers,    [0,  0,  0,  0,  1,  1]),
            (Direct,       [0,  0,  0,  0,  0,  1]),
        ];
        for (parent, row) in table {
            for (chosen, want) in [Public, Unlisted, Neighborhood, Local, Followers, Direct]
                .iter()
                .zip(row)
            {
                assert_eq!(
                    reply_audience_allowed(*parent, *chosen),
                    *want == 1,
                    "reply to {parent:?} as {chosen:?}"
                );
            }
            assert!(reply_audience_allowed(
                *parent,
                default_reply_audience(*parent)
            ));
        }
    }

    #[test]
    fn deleting() {
        let member = viewer("member");
        assert!(can_delete(Public, viewer("author"), Some(Role::Member)));
        assert!(!can_delete(Public, member, Some(Role::Member)));
        assert!(can_delete(Public, member, Some(Role::Moderator)));
        assert!(can_delete(Local, member, Some(Role::Host)));
        // A moderator cannot delete (and so cannot probe for) a direct message they cannot see.
        assert!(!can_delete(Direct, member, Some(Role::Moderator)));
        assert!(!can_delete(Public, Viewer::ANONYMOUS, None));
    }

    #[test]
    fn names_round_trip() {
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.as_str()), Some(a));
        }
        assert_eq!(Audience::parse("everyone"), None);
        for r in [Role::Member, Role::Moderator, Role::Host] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
