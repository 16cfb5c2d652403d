//! The things pages and the API show, as plain data: members, invites, posts as a list shows
//! them, notifications, the apps a member allowed, the camp's settings. `db` reads them and
//! `web` renders them; they live here, with no I/O, so that `web` needs nothing but `core`
//! (and maud) to draw a page.

use crate::audience::{self, Audience, Role, Viewer};
use crate::members::MemberCap;
use crate::{AccountId, PostId, UnixTime};

/// A member of this server as pages show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub who_i_am: String,
    pub role: Role,
    pub created_at: UnixTime,
    /// What their posts are for when they do not choose (camp only unless they change it).
    pub default_audience: Audience,
    /// When a host or moderator suspended them, if they are suspended.
    pub suspended_at: Option<UnixTime>,
    /// The version of the code of conduct they last agreed to.
    pub agreed_coc_version: u32,
    /// What a host or moderator wrote to introduce them to the camp.
    pub introduction: String,
    /// They turned the bugle off (they do not hear it).
    pub bugle_off: bool,
    /// A host or moderator took the bugle away from them.
    pub bugle_taken: bool,
    /// Their avatar and header pictures (`/files/NAME`), if they chose any.
    pub avatar: Option<String>,
    pub header: Option<String>,
    /// The account they moved to (its actor id), once they have: this one then takes no posts.
    pub moved_to: Option<String>,
    /// They want to go along if the camp forks (a Camp 2 bundle holds only such members).
    pub fork_consent: bool,
}

impl Member {
    /// The name to show: the display name, or the username when there is none.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub code: String,
    pub created_by: Option<AccountId>,
    pub created_by_name: Option<String>,
    pub note: String,
    pub max_uses: u32,
    pub uses: u32,
    pub expires_at: Option<UnixTime>,
    pub revoked: bool,
    pub created_at: UnixTime,
}

/// Whether an invite still lets someone in, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteState {
    Open,
    Withdrawn,
    Used,
    Expired,
}

impl Invite {
    /// The one rule for signing up with it and for the host's list of invites.
    pub fn state(&self, now: UnixTime) -> InviteState {
        if self.revoked {
            InviteState::Withdrawn
        } else if self.uses >= self.max_uses {
            InviteState::Used
        } else if self.expires_at.is_some_and(|t| t <= now) {
            InviteState::Expired
        } else {
            InviteState::Open
        }
    }
}

/// One version of a post in its edit history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostVersion {
    pub html: String,
    pub content_warning: String,
    pub written_at: UnixTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    Mention,
    Reply,
    Follow,
    Boost,
    Favourite,
    /// A poll the member made or voted in has ended.
    Poll,
    /// Someone reported a post or person (to hosts and moderators).
    Report,
    /// A host or moderator wrote to the member about their conduct.
    Warning,
    /// A report the member made was handled.
    ReportHandled,
    /// An event the member answered "going" or "maybe" starts within the hour.
    Event,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "mention",
            NotificationKind::Reply => "reply",
            NotificationKind::Follow => "follow",
            NotificationKind::Boost => "boost",
            NotificationKind::Favourite => "favourite",
            NotificationKind::Poll => "poll",
            NotificationKind::Report => "report",
            NotificationKind::Warning => "warning",
            NotificationKind::ReportHandled => "report_handled",
            NotificationKind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use NotificationKind::*;
        [
            Mention,
            Reply,
            Follow,
            Boost,
            Favourite,
            Poll,
            Report,
            Warning,
            ReportHandled,
            Event,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub from_id: AccountId,
    pub from_username: String,
    /// The sender's server; None for a member of this camp.
    pub from_domain: Option<String>,
    pub from_display_name: String,
    pub post_id: Option<PostId>,
    pub created_at: UnixTime,
    pub seen: bool,
    /// The report it is about (reports and their outcomes).
    pub report_id: Option<i64>,
    /// What a moderator wrote (warnings), or what was done (a handled report).
    pub message: String,
    /// The first words of the post it is about (or its content warning), for the page.
    pub excerpt: String,
}

impl Notification {
    /// What follows the `@` in the sender's address here: `name`, or `name@server`.
    pub fn from_handle(&self) -> String {
        match &self.from_domain {
            Some(domain) => format!("{}@{domain}", self.from_username),
            None => self.from_username.clone(),
        }
    }

    /// The sender as the page names them: their display name, else their address.
    pub fn from_name(&self) -> String {
        match self.from_display_name.trim() {
            "" => self.from_handle(),
            name => name.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    /// The server of a remote author; None for members of this camp.
    pub domain: Option<String>,
    /// A remote author's picture (where it lives), and this camp's copy of it (set by the web
    /// layer).
    pub avatar_url: Option<String>,
    pub avatar_proxy: String,
    /// Custom emoji their name uses.
    pub emojis: Vec<Emoji>,
}

impl Author {
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }

    /// `name` for a member, `name@server` for a remote account: what follows the `@`.
    pub fn handle(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}@{domain}", self.username),
            None => self.username.clone(),
        }
    }
}

/// A post as a list shows it. For a boost, the fields describe the boosted post and `boosted_by`
/// names who boosted it.
#[derive(Clone, Debug, PartialEq)]
pub struct PostView {
    /// The id of the row in the list (the boost's own id for a boost): pages continue after it.
    pub row_id: PostId,
    pub boosted_by: Option<Author>,
    pub id: PostId,
    pub author: Author,
    pub audience: Audience,
    pub html: String,
    pub content_warning: String,
    pub in_reply_to: Option<PostId>,
    pub created_at: UnixTime,
    pub edited_at: Option<UnixTime>,
    pub reply_count: i64,
    pub boost_count: i64,
    pub favourite_count: i64,
    pub favourited: bool,
    pub boosted: bool,
    pub bookmarked: bool,
    /// The viewer's relation to the post, as the audience rules see it.
    pub viewer: Viewer,
    /// For a post from another server: where it lives there (its web address).
    pub remote_url: Option<String>,
    /// For a post from another server: its ActivityPub id.
    pub remote_id: Option<String>,
    /// Its author (or their server) marked it sensitive, with or without a content warning.
    pub sensitive: bool,
    /// The language it is written in, when its server said.
    pub language: Option<String>,
    /// The post it quotes.
    pub quote: Option<Quote>,
    /// Brought in from an archive of its author's (an earlier account's post, kept here).
    pub imported: bool,
    /// Pictures and other files attached (posts from other servers only, for now).
    pub media: Vec<Media>,
    /// The preview of the post's first link, once it was fetched.
    pub card: Option<Card>,
    /// The post's poll, with the viewer's own votes.
    pub poll: Option<Poll>,
    /// Whose post it answers (when that post is here), and their handle (`name`, or
    /// `name@server`).
    pub replying_to: Option<AccountId>,
    pub replying_to_handle: Option<String>,
    /// The viewer pinned it on their profile.
    pub pinned: bool,
    /// The custom emoji its text uses.
    pub emojis: Vec<Emoji>,
    /// The event it announces, if it is one.
    pub event: Option<EventView>,
}

/// The post a post quotes: its ActivityPub id, and its id here when the camp has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    pub uri: String,
    pub here: Option<PostId>,
}

/// A custom emoji a post or a name uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Emoji {
    pub shortcode: String,
    /// Where its picture is: a path here for a camp emoji, its address elsewhere otherwise.
    pub url: String,
    /// The address pages and apps show it from (this camp's copy of one from elsewhere), set
    /// by the web layer.
    pub proxy: String,
}

/// A poll as a reader sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Poll {
    /// Each option's title and how many votes it has.
    pub options: Vec<(String, i64)>,
    pub multiple: bool,
    pub expires_at: Option<UnixTime>,
    /// Ended (by its time, or its server said it closed).
    pub ended: bool,
    /// How many people voted (for a multiple-choice poll, fewer than the votes).
    pub voters: i64,
    /// The options the viewer chose (empty if they did not vote).
    pub own_votes: Vec<usize>,
}

impl Poll {
    pub fn votes(&self) -> i64 {
        self.options.iter().map(|(_, v)| v).sum()
    }
}

/// A link's preview: what the linked page says of itself (its Open Graph tags or title).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Card {
    pub url: String,
    pub title: String,
    pub description: String,
    /// The page's picture where it lives, and this camp's copy of it (set by the web layer).
    pub image_url: Option<String>,
    pub image_proxy: String,
    /// The site's name, or its host.
    pub site: String,
}

/// A file attached to a post.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Media {
    /// Where it lives: on the author's server, or for a picture uploaded here its path on this
    /// one (`/files/NAME`, so that it follows the camp's name if that changes).
    pub url: String,
    pub media_type: String,
    /// The alt text.
    pub description: String,
    /// The address of this camp's copy (its media proxy), set by the web layer; empty when
    /// pictures from there are not shown.
    pub proxy: String,
    /// For a picture from elsewhere: its blurhash and size as the camp measured them when it
    /// first fetched the picture, as its server said before that (empty, 0: not said).
    pub blurhash: String,
    pub width: u32,
    pub height: u32,
    /// For a picture uploaded here: its size, focus and id.
    pub upload: Option<Upload>,
}

/// The sizes of the camp's two copies of a picture from elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopySizes {
    pub large: (u32, u32),
    pub small: (u32, u32),
}

impl Media {
    /// For a picture from elsewhere shown through the camp's copies, whose size is known: the
    /// sizes of its large and small copies (what pages reserve and apps are told). `None` for
    /// anything else.
    pub fn copy_sizes(&self) -> Option<CopySizes> {
        use crate::media::{LARGE_SIDE, SMALL_SIDE, fitted};
        (self.upload.is_none() && !self.proxy.is_empty() && self.width > 0 && self.height > 0).then(
            || CopySizes {
                large: fitted(self.width, self.height, LARGE_SIDE),
                small: fitted(self.width, self.height, SMALL_SIDE),
            },
        )
    }
}

impl PostView {
    /// Whether its pictures wait to be opened (Mastodon's `sensitive`): marked so, or under a
    /// content warning.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive || !self.content_warning.is_empty()
    }

    pub fn may(&self, action: audience::Action) -> bool {
        audience::may(action, self.audience, self.viewer)
    }
}

/// One page of a list: the posts, and where the next page starts (None at the end).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub posts: Vec<PostView>,
    pub next_max_id: Option<PostId>,
}

/// An app a member authorized, for the settings page.
#[derive(Clone, Debug)]
pub struct Authorized {
    pub app_id: i64,
    pub name: String,
    pub website: String,
    pub scopes: String,
    pub since: i64,
    pub last_used: Option<i64>,
}

pub type UploadId = i64;

/// An upload without its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Upload {
    pub id: UploadId,
    pub account_id: AccountId,
    pub post_id: Option<PostId>,
    /// Random, with the picture's extension: the last part of its address (`/files/NAME`).
    pub file_name: String,
    pub media_type: String,
    pub width: u32,
    pub height: u32,
    /// The alt text.
    pub description: String,
    /// Where the picture's subject is, from -1 (left, bottom) to 1 (right, top).
    pub focus: (f64, f64),
    pub created_at: UnixTime,
    /// The display copies the box made (none when the picture already fits, is an animated
    /// GIF, or came before copies were made).
    pub small: Option<PictureCopy>,
    pub large: Option<PictureCopy>,
    /// What apps draw while it loads; empty if none.
    pub blurhash: String,
}

/// A smaller copy of a picture: its address is `/files/{file_name}`.
#[derive(Clone, Debug, PartialEq)]
pub struct PictureCopy {
    pub file_name: String,
    pub width: u32,
    pub height: u32,
}

impl Upload {
    /// The copy to show in a list: the small one, or the picture itself.
    pub fn small_or_original(&self) -> PictureCopy {
        self.small.clone().unwrap_or_else(|| self.original())
    }

    /// The largest copy for a screen: the large one, or the picture itself.
    pub fn large_or_original(&self) -> PictureCopy {
        self.large.clone().unwrap_or_else(|| self.original())
    }

    pub fn original(&self) -> PictureCopy {
        PictureCopy {
            file_name: self.file_name.clone(),
            width: self.width,
            height: self.height,
        }
    }
}

/// The camp's name, rules and size, as the host set them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub code_of_conduct: String,
    pub member_cap: MemberCap,
    /// How many times the code of conduct changed since the camp began (members who agreed to
    /// an older one are asked again), and what the host said of the last change.
    pub code_of_conduct_version: u32,
    pub code_of_conduct_change: String,
    /// The host's accent colour (`#rrggbb`), or empty for the pages' own (read on every page,
    /// so it lives here; the rest of the camp's look is read where it is shown).
    pub accent: String,
}

/// What the host chose for the camp's look; empty where nothing was chosen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampLook {
    /// `#rrggbb`, or empty for the pages' own.
    pub accent: String,
    pub description: String,
    pub about: String,
    /// `/files/NAME`.
    pub header: Option<String>,
    /// When the host last changed it (None: never).
    pub updated_at: Option<UnixTime>,
}

/// An event as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventView {
    pub post_id: PostId,
    /// What, when (and the zone it was planned in), where.
    pub facts: crate::events::EventFacts,
    /// What the organizer wrote beyond the facts (plain text).
    pub description: String,
    pub going: u32,
    pub maybe: u32,
    /// The reader's own answer.
    pub my_answer: Option<crate::events::Answer>,
}

/// Notifications as the page shows them: the boosts, favourites and follows of one page that
/// are about the same thing, together ("Ken, Mia and 2 others favourited your post").
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationGroup<'a> {
    /// The newest of them: what it is about, and when.
    pub first: &'a Notification,
    /// Everyone it is from, newest first (the first's sender first).
    pub from: Vec<&'a Notification>,
    /// Any of them not seen before.
    pub new: bool,
}

impl NotificationKind {
    /// Whether several of this kind about one thing read as one ("3 people favourited").
    pub fn groups(self) -> bool {
        matches!(
            self,
            NotificationKind::Boost | NotificationKind::Favourite | NotificationKind::Follow
        )
    }
}

/// Groups a page of notifications (newest first), keeping the order of each group's newest.
pub fn group_notifications(items: &[Notification]) -> Vec<NotificationGroup<'_>> {
    let mut groups: Vec<NotificationGroup> = Vec::new();
    for n in items {
        let same = groups
            .iter_mut()
            .find(|g| n.kind.groups() && g.first.kind == n.kind && g.first.post_id == n.post_id);
        match same {
            Some(group) => {
                if !group.from.iter().any(|f| f.from_id == n.from_id) {
                    group.from.push(n);
                }
                group.new |= !n.seen;
            }
            None => groups.push(NotificationGroup {
                first: n,
                from: vec![n],
                new: !n.seen,
            }),
        }
    }
    groups
}

#[cfg(test)]
mod notification_tests {
    use super::*;

    fn n(
        id: i64,
        kind: NotificationKind,
        from: AccountId,
        post: Option<PostId>,
        seen: bool,
    ) -> Notification {
        Notification {
            id,
            kind,
            from_id: from,
            from_username: format!("user{from}"),
            from_domain: None,
            from_display_name: String::new(),
            post_id: post,
            created_at: 1000 - id,
            seen,
            report_id: None,
            message: String::new(),
            excerpt: String::new(),
        }
    }

    #[test]
    fn boosts_favourites_and_follows_about_one_thing_are_one_line() {
        use NotificationKind::*;
        let items = [
            n(1, Favourite, 2, Some(7), false),
            n(2, Mention, 3, Some(8), true),
            n(3, Favourite, 3, Some(7), true),
            n(4, Favourite, 2, Some(7), true), // the same person again: once
            n(5, Favourite, 4, Some(9), true), // another post: its own line
            n(6, Follow, 5, None, true),
            n(7, Follow, 6, None, true),
            n(8, Mention, 3, Some(8), true), // mentions never group
        ];
        let groups = group_notifications(&items);
        // (first id, senders, new)
        let shape: Vec<(i64, Vec<AccountId>, bool)> = groups
            .iter()
            .map(|g| {
                (
                    g.first.id,
                    g.from.iter().map(|f| f.from_id).collect(),
                    g.new,
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (1, vec![2, 3], true),
                (2, vec![3], false),
                (5, vec![4], false),
                (6, vec![5, 6], false),
                (8, vec![3], false),
            ]
        );
    }
}

/// The host's view of the neighborhood (docs/NEIGHBORHOODS.md): the camps in it, the proposals,
/// and what the host was told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeighborhoodView {
    /// This camp's own address (`camp.example`), as the others know it.
    pub me: String,
    pub in_one: bool,
    pub camps: Vec<NeighborCampView>,
    pub proposals: Vec<ProposalView>,
    pub log: Vec<(crate::UnixTime, String)>,
}

/// Another camp in the neighborhood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeighborCampView {
    pub host: String,
    pub joined_at: crate::UnixTime,
    /// Days since it was last heard from, once that is long enough to mention.
    pub quiet_days: Option<i64>,
}

/// A proposal as the host reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalView {
    pub id: String,
    /// One sentence: who proposes what.
    pub what: String,
    /// open, done, declined, withdrawn or void.
    pub state: &'static str,
    pub declined_by: Option<String>,
    /// The camps whose approval has not arrived (hosts).
    pub waiting_for: Vec<String>,
    pub may_approve: bool,
    pub may_withdraw: bool,
    pub updated_at: crate::UnixTime,
}

/// Block lists shared by others, for the host's page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedBlocksView {
    pub sources: Vec<BlockSourceView>,
    /// Offered blocks waiting for the host: (source, domain, level in words, reason).
    pub pending: Vec<(String, String, &'static str, String)>,
    /// Whether this camp's neighbors see the reasons of its blocks.
    pub share_reasons: bool,
}

/// A neighbor camp or a subscribed list whose blocks this camp reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSourceView {
    pub source: String,
    pub is_list: bool,
    /// apply, review or ignore.
    pub mode: &'static str,
    pub checked_at: Option<crate::UnixTime>,
    pub status: String,
}

/// An export or import of a member's archive, as their page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveJob {
    pub id: i64,
    pub account_id: AccountId,
    /// `export`, `import`, `fork` (a host's Camp 2 bundle) or `fork_import` (one brought in).
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// How far it is: posts written or read, of how many (0 of 0: not counted yet).
    pub done: u64,
    pub total: u64,
    /// The archive's file, in the data folder.
    pub file: String,
    /// What it has to say when it ends: what it skipped and why, or why it failed.
    pub report: String,
    pub created_at: UnixTime,
    pub finished_at: Option<UnixTime>,
}

impl ArchiveJob {
    /// Whether it makes a file to download (an archive or a bundle).
    pub fn makes_a_file(&self) -> bool {
        matches!(self.kind.as_str(), "export" | "fork")
    }

    pub fn finished(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sizes_are_for_pictures_from_elsewhere_of_known_size() {
        let remote = |proxy: &str, width, height| Media {
            url: "https://elsewhere.example/p.jpg".into(),
            proxy: proxy.into(),
            width,
            height,
            ..Media::default()
        };
        let cases = [
            (
                remote("/media/t/h", 3000, 2000),
                Some(CopySizes {
                    large: (1280, 853),
                    small: (640, 427),
                }),
            ),
            // Already smaller than both copies: its own size twice.
            (
                remote("/media/t/h", 300, 200),
                Some(CopySizes {
                    large: (300, 200),
                    small: (300, 200),
                }),
            ),
            // Size not said yet, or not shown through the camp (a video), or uploaded here.
            (remote("/media/t/h", 0, 0), None),
            (remote("", 1280, 720), None),
            (
                Media {
                    upload: Some(Upload {
                        id: 1,
                        account_id: 1,
                        post_id: Some(1),
                        file_name: "x.jpg".into(),
                        media_type: "image/jpeg".into(),
                        width: 3000,
                        height: 2000,
                        description: String::new(),
                        focus: (0.0, 0.0),
                        created_at: 0,
                        small: None,
                        large: None,
                        blurhash: String::new(),
                    }),
                    ..remote("/files/x.jpg", 3000, 2000)
                },
                None,
            ),
        ];
        for (media, want) in cases {
            assert_eq!(media.copy_sizes(), want, "{media:?}");
        }
    }
}
