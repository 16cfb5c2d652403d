//! Schema migrations, applied in order at start-up. `PRAGMA user_version` records how many have
//! been applied. A migration is never edited once released: add a new one instead.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the core: accounts, members, sessions, invites, posts, follows, interactions.
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Members of this server now; remote actors later (domain not null).
    CREATE TABLE accounts (
        id           INTEGER PRIMARY KEY,
        username     TEXT NOT NULL,
        domain       TEXT,
        display_name TEXT NOT NULL DEFAULT '',
        bio          TEXT NOT NULL DEFAULT '',
        who_i_am     TEXT NOT NULL DEFAULT '',
        created_at   INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX accounts_handle ON accounts (username, IFNULL(domain, ''));

    -- What only members of this server have: a password and a role.
    CREATE TABLE users (
        account_id    INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'host')),
        invited_by    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
        created_at    INTEGER NOT NULL
    );

    CREATE TABLE sessions (
        token_hash   BLOB PRIMARY KEY,
        account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_account ON sessions (account_id);

    CREATE TABLE invites (
        code       TEXT PRIMARY KEY,
        created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
        note       TEXT NOT NULL DEFAULT '',
        max_uses   INTEGER NOT NULL CHECK (max_uses > 0),
        uses       INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER,
        revoked    INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE follows (
        follower_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        followee_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (follower_id, followee_id)
    ) WITHOUT ROWID;
    CREATE INDEX follows_followee ON follows (followee_id, follower_id);

    -- Posts, replies and boosts (a boost is a row whose boost_of names the original).
    CREATE TABLE posts (
        id              INTEGER PRIMARY KEY,
        author_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        audience        TEXT NOT NULL
                        CHECK (audience IN ('public', 'unlisted', 'local', 'followers', 'direct')),
        text            TEXT NOT NULL DEFAULT '',
        html            TEXT NOT NULL DEFAULT '',
        content_warning TEXT NOT NULL DEFAULT '',
        in_reply_to     INTEGER REFERENCES posts (id) ON DELETE SET NULL,
        boost_of        INTEGER REFERENCES posts (id) ON DELETE CASCADE,
        created_at      INTEGER NOT NULL,
        edited_at       INTEGER,
        reply_count     INTEGER NOT NULL DEFAULT 0,
        boost_count     INTEGER NOT NULL DEFAULT 0,
        favourite_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX posts_author ON posts (author_id, id);
    CREATE INDEX posts_in_reply_to ON posts (in_reply_to) WHERE in_reply_to IS NOT NULL;
    CREATE UNIQUE INDEX posts_one_boost ON posts (boost_of, author_id) WHERE boost_of IS NOT NULL;

    CREATE TABLE post_mentions (
        post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        PRIMARY KEY (post_id, account_id)
    ) WITHOUT ROWID;
    CREATE INDEX post_mentions_account ON post_mentions (account_id, post_id);

    CREATE TABLE post_tags (
        tag     TEXT NOT NULL,
        post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        PRIMARY KEY (tag, post_id)
    ) WITHOUT ROWID;
    CREATE INDEX post_tags_post ON post_tags (post_id);

    -- Earlier versions of edited posts, for the edit history.
    CREATE TABLE post_edits (
        id              INTEGER PRIMARY KEY,
        post_id         INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        text            TEXT NOT NULL,
        html            TEXT NOT NULL,
        content_warning TEXT NOT NULL,
        written_at      INTEGER NOT NULL
    );
    CREATE INDEX post_edits_post ON post_edits (post_id, id);

    CREATE TABLE favourites (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, post_id)
    ) WITHOUT ROWID;
    CREATE INDEX favourites_post ON favourites (post_id);

    CREATE TABLE bookmarks (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, post_id)
    ) WITHOUT ROWID;
    CREATE INDEX bookmarks_post ON bookmarks (post_id);

    CREATE TABLE notifications (
        id              INTEGER PRIMARY KEY,
        account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        kind            TEXT NOT NULL
                        CHECK (kind IN ('mention', 'reply', 'follow', 'boost', 'favourite')),
        from_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id         INTEGER REFERENCES posts (id) ON DELETE CASCADE,
        created_at      INTEGER NOT NULL,
        seen            INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX notifications_account ON notifications (account_id, id);
    CREATE INDEX notifications_post ON notifications (post_id);

    -- Full-text search over post text, kept in step with posts by triggers.
    CREATE VIRTUAL TABLE posts_fts USING fts5 (
        text, content = 'posts', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts WHEN new.boost_of IS NULL BEGIN
        INSERT INTO posts_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts WHEN old.boost_of IS NULL BEGIN
        INSERT INTO posts_fts (posts_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER posts_fts_update AFTER UPDATE OF text ON posts WHEN old.boost_of IS NULL BEGIN
        INSERT INTO posts_fts (posts_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO posts_fts (rowid, text) VALUES (new.id, new.text);
    END;
    "#,
    // 2: federation: remote actors and posts, actor keys, follow requests, the job queue,
    // servers' health, and domain blocks.
    r#"
    -- For remote accounts: the actor document's facts. `uri` is the actor id.
    ALTER TABLE accounts ADD COLUMN uri TEXT;
    ALTER TABLE accounts ADD COLUMN url TEXT;
    ALTER TABLE accounts ADD COLUMN inbox TEXT;
    ALTER TABLE accounts ADD COLUMN shared_inbox TEXT;
    ALTER TABLE accounts ADD COLUMN followers_url TEXT;
    ALTER TABLE accounts ADD COLUMN key_id TEXT;
    -- A remote actor's public key, or a member's own (beside the private half in users).
    ALTER TABLE accounts ADD COLUMN public_key_pem TEXT;
    ALTER TABLE accounts ADD COLUMN avatar_url TEXT;
    ALTER TABLE accounts ADD COLUMN fetched_at INTEGER;
    CREATE UNIQUE INDEX accounts_uri ON accounts (uri) WHERE uri IS NOT NULL;
    CREATE INDEX accounts_key_id ON accounts (key_id) WHERE key_id IS NOT NULL;
    CREATE INDEX accounts_domain ON accounts (domain) WHERE domain IS NOT NULL;

    -- A member's signing key (PKCS#8 PEM), made the first time it is needed.
    ALTER TABLE users ADD COLUMN private_key TEXT;

    -- For remote posts: the ActivityPub id and the page to read it on.
    ALTER TABLE posts ADD COLUMN uri TEXT;
    ALTER TABLE posts ADD COLUMN url TEXT;
    CREATE UNIQUE INDEX posts_uri ON posts (uri) WHERE uri IS NOT NULL;

    -- Follows of remote accounts that wait for their Accept.
    CREATE TABLE follow_requests (
        follower_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        followee_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        activity_id TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (follower_id, followee_id)
    ) WITHOUT ROWID;

    -- Work that leaves the server (deliveries) or came in (inbox), written in the same
    -- transaction as what caused it, so a power cut loses none of it.
    CREATE TABLE jobs (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('deliver', 'inbox')),
        -- The server it goes to (deliveries): per-server limits and backoff use it.
        host       TEXT NOT NULL DEFAULT '',
        target     TEXT NOT NULL DEFAULT '',
        -- Whose key signs a delivery; NULL for the instance actor. For inbox jobs, the
        -- verified sender's actor id is in `target`.
        signer_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
        payload    TEXT NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        next_at    INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX jobs_due ON jobs (kind, next_at);

    -- How each remote server has answered lately.
    CREATE TABLE servers (
        host            TEXT PRIMARY KEY,
        failing_since   INTEGER,
        last_success_at INTEGER,
        dead            INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;

    -- Blocks the host set for everyone here.
    CREATE TABLE domain_blocks (
        domain     TEXT PRIMARY KEY,
        level      TEXT NOT NULL CHECK (level IN ('suspend', 'silence', 'reject_media')),
        reason     TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 3: media attached to posts from other servers (shown through the media proxy).
    r#"
    CREATE TABLE post_media (
        post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        url         TEXT NOT NULL,
        media_type  TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (post_id, position)
    ) WITHOUT ROWID;
    "#,
    // 4: OAuth2 for the Mastodon client API: registered apps, one-time authorization codes,
    // access tokens. Secrets, codes and tokens are stored only as their SHA-256.
    r#"
    CREATE TABLE oauth_apps (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        website       TEXT NOT NULL DEFAULT '',
        redirect_uris TEXT NOT NULL,
        scopes        TEXT NOT NULL,
        client_id     TEXT NOT NULL UNIQUE,
        secret_hash   BLOB NOT NULL,
        created_at    INTEGER NOT NULL
    );
    CREATE TABLE oauth_codes (
        code_hash      BLOB PRIMARY KEY,
        app_id         INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
        account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        redirect_uri   TEXT NOT NULL,
        scopes         TEXT NOT NULL,
        code_challenge TEXT,
        expires_at     INTEGER NOT NULL,
        -- Set when the code is exchanged; a second exchange revokes what the first issued.
        token_id       INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE oauth_tokens (
        id          INTEGER PRIMARY KEY,
        token_hash  BLOB NOT NULL UNIQUE,
        app_id      INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
        -- NULL for an app's own token (client_credentials).
        account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
        scopes      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        last_used   INTEGER
    );
    CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id) WHERE account_id IS NOT NULL;
    CREATE TABLE idempotency_keys (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, key)
    ) WITHOUT ROWID;
    "#,
    // 5: where a member stopped reading (Mastodon's markers), and the posts they pinned.
    r#"
    CREATE TABLE markers (
        account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        timeline     TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
        last_read_id TEXT NOT NULL,
        version      INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (account_id, timeline)
    ) WITHOUT ROWID;
    CREATE TABLE pins (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, post_id)
    ) WITHOUT ROWID;
    "#,
    // 6: pictures campers upload. The bytes live in the database, beside the posts they belong
    // to: one file to back up, one transaction to post (a power cut never leaves a post without
    // its picture or a picture without its row). The random file name is its address; the
    // bytes come last so that reading the other columns never touches the picture's pages.
    r#"
    CREATE TABLE uploads (
        id          INTEGER PRIMARY KEY,
        account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL DEFAULT 0,
        file_name   TEXT NOT NULL UNIQUE,
        media_type  TEXT NOT NULL,
        width       INTEGER NOT NULL,
        height      INTEGER NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        focus_x     REAL NOT NULL DEFAULT 0,
        focus_y     REAL NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        bytes       BLOB NOT NULL
    );
    CREATE INDEX uploads_by_post ON uploads (post_id, position) WHERE post_id IS NOT NULL;
    CREATE INDEX uploads_waiting ON uploads (created_at) WHERE post_id IS NULL;
    "#,
    // 7: members' lists of people they follow, each with a timeline.
    r#"
    CREATE TABLE lists (
        id             INTEGER PRIMARY KEY,
        account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        title          TEXT NOT NULL,
        replies_policy TEXT NOT NULL DEFAULT 'list'
                       CHECK (replies_policy IN ('followed', 'list', 'none')),
        exclusive      INTEGER NOT NULL DEFAULT 0,
        created_at     INTEGER NOT NULL
    );
    CREATE INDEX lists_account ON lists (account_id);
    CREATE TABLE list_members (
        list_id    INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        PRIMARY KEY (list_id, account_id)
    ) WITHOUT ROWID;
    CREATE INDEX list_members_account ON list_members (account_id, list_id);
    "#,
    // 8: what one member keeps away from themself: mutes (hidden from their timelines, and
    // their notifications if they choose; until a time, or for good) and blocks (no follows
    // either way, hidden both ways).
    r#"
    CREATE TABLE account_mutes (
        account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        target_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        notifications INTEGER NOT NULL DEFAULT 1,
        expires_at    INTEGER,
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (account_id, target_id)
    ) WITHOUT ROWID;
    CREATE TABLE account_blocks (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        target_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, target_id)
    ) WITHOUT ROWID;
    CREATE INDEX account_blocks_target ON account_blocks (target_id, account_id);
    "#,
    // 9: how far a member has read each conversation (a thread of direct posts, named by its
    // first post), and up to where they put it away.
    r#"
    CREATE TABLE conversation_marks (
        account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        root_id        INTEGER NOT NULL,
        read_up_to     INTEGER NOT NULL DEFAULT 0,
        hidden_up_to   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, root_id)
    ) WITHOUT ROWID;
    "#,
    // 10: members' keyword filters (Mastodon's filters v2).
    r#"
    CREATE TABLE filters (
        id         INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        title      TEXT NOT NULL,
        contexts   TEXT NOT NULL,
        action     TEXT NOT NULL CHECK (action IN ('warn', 'hide', 'blur')),
        expires_at INTEGER,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX filters_account ON filters (account_id);
    CREATE TABLE filter_keywords (
        id         INTEGER PRIMARY KEY,
        filter_id  INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
        keyword    TEXT NOT NULL,
        whole_word INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id);
    "#,
    // 11: each member's default audience (what a post gets when its author does not choose).
    r#"
    ALTER TABLE users ADD COLUMN default_audience TEXT NOT NULL DEFAULT 'local'
        CHECK (default_audience IN ('local', 'followers', 'unlisted', 'public'));
    "#,
    // 12: Web Push: one subscription per app token (Mastodon's rule), and how far its member's
    // notifications have been pushed. A push that failed waits until `retry_at`.
    r#"
    CREATE TABLE push_subscriptions (
        token_id   INTEGER PRIMARY KEY REFERENCES oauth_tokens (id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        endpoint   TEXT NOT NULL,
        p256dh     BLOB NOT NULL,
        auth       BLOB NOT NULL,
        alerts     TEXT NOT NULL,
        policy     TEXT NOT NULL DEFAULT 'all'
                   CHECK (policy IN ('all', 'followed', 'follower', 'none')),
        last_sent  INTEGER NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        retry_at   INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
    "#,
    // 13: link previews. A post names its first link; each link's preview is fetched once
    // (`waiting` until then, `none` if there is nothing to show) and shared by every post.
    r#"
    ALTER TABLE posts ADD COLUMN card_url TEXT;
    CREATE TABLE link_cards (
        url         TEXT PRIMARY KEY,
        state       TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'ready', 'none')),
        title       TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        image_url   TEXT,
        site        TEXT NOT NULL DEFAULT '',
        attempts    INTEGER NOT NULL DEFAULT 0,
        next_try    INTEGER NOT NULL DEFAULT 0,
        fetched_at  INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX link_cards_waiting ON link_cards (next_try) WHERE state = 'waiting';
    "#,
    // 14: polls. A poll belongs to its post; each option keeps its count (for a poll from
    // elsewhere, the count its server last told us). Votes are kept per person and option: for a
    // poll here every vote, for a poll from elsewhere the votes of members (to show what they
    // chose). `ended_at` is set once the end was announced (notifications, the closing Update).
    // Notifications gain the kind `poll`: SQLite cannot change a CHECK, so the table is rebuilt.
    r#"
    CREATE TABLE polls (
        post_id    INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
        multiple   INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER,
        closed     INTEGER NOT NULL DEFAULT 0,
        voters     INTEGER NOT NULL DEFAULT 0,
        ended_at   INTEGER
    );
    CREATE INDEX polls_running ON polls (expires_at) WHERE ended_at IS NULL;
    CREATE TABLE poll_options (
        post_id  INTEGER NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        title    TEXT NOT NULL,
        votes    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE poll_votes (
        post_id    INTEGER NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (post_id, account_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX poll_votes_account ON poll_votes (account_id, post_id);

    CREATE TABLE notifications_rebuilt (
        id              INTEGER PRIMARY KEY,
        account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        kind            TEXT NOT NULL
                        CHECK (kind IN ('mention', 'reply', 'follow', 'boost', 'favourite', 'poll')),
        from_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id         INTEGER REFERENCES posts (id) ON DELETE CASCADE,
        created_at      INTEGER NOT NULL,
        seen            INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO notifications_rebuilt SELECT id, account_id, kind, from_account_id, post_id, created_at, seen FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_rebuilt RENAME TO notifications;
    CREATE INDEX notifications_account ON notifications (account_id, id);
    CREATE INDEX notifications_post ON notifications (post_id);
    "#,
    // 15: custom emoji. The camp's own (a picture each, served at /emoji/FILE), and the ones
    // each post uses: a camp emoji by its path here, one from elsewhere by its address there.
    r#"
    CREATE TABLE custom_emojis (
        shortcode  TEXT PRIMARY KEY,
        file_name  TEXT NOT NULL UNIQUE,
        media_type TEXT NOT NULL,
        bytes      BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE post_emojis (
        post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        shortcode TEXT NOT NULL,
        url       TEXT NOT NULL,
        PRIMARY KEY (post_id, shortcode)
    ) WITHOUT ROWID;
    "#,
    // 16: what someone elsewhere's server says of them: how many follow them, they follow and
    // posts they wrote (NULL: not known), and when their account was made there.
    r#"
    ALTER TABLE accounts ADD COLUMN followers_count INTEGER;
    ALTER TABLE accounts ADD COLUMN following_count INTEGER;
    ALTER TABLE accounts ADD COLUMN statuses_count INTEGER;
    ALTER TABLE accounts ADD COLUMN published INTEGER;
    "#,
    // 17: the custom emoji a name or bio uses (a member's camp emoji, as for posts; those of
    // someone elsewhere from their actor's Emoji tags).
    r#"
    CREATE TABLE account_emojis (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        shortcode  TEXT NOT NULL,
        url        TEXT NOT NULL,
        PRIMARY KEY (account_id, shortcode)
    ) WITHOUT ROWID;
    "#,
    // 18: looking after people. A suspended account keeps everything but shows nothing; a
    // removed member keeps only their name (never reused) and, until the `Delete` has gone out,
    // their signing key. One-time reset links, private notes about members, reports (with a copy
    // of each reported post as it was), and the moderation log, which names people as text so
    // that it outlives them. Notifications gain `report` (to moderators), `warning` (from a
    // moderator) and `report_handled` (to the reporter), with the report and message they carry.
    r#"
    ALTER TABLE accounts ADD COLUMN suspended_at INTEGER;
    -- Someone elsewhere whose own server suspended them (lifted when it says so; a suspension
    -- decided here stays until lifted here).
    ALTER TABLE accounts ADD COLUMN suspended_by_origin INTEGER NOT NULL DEFAULT 0;
    -- The version of the code of conduct each member last agreed to (the setting
    -- `coc_version` counts the host's changes; a member behind it is asked again).
    ALTER TABLE users ADD COLUMN agreed_coc_version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE departed_keys (
        account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
        private_key TEXT NOT NULL,
        departed_at INTEGER NOT NULL
    );
    CREATE TABLE reset_links (
        token_hash    BLOB PRIMARY KEY,
        account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        password_hash TEXT NOT NULL,
        expires_at    INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE member_notes (
        account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
        note       TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE reports (
        id           INTEGER PRIMARY KEY,
        reporter_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
        -- A report another server sent (a Flag): that server, and the Flag's id.
        from_domain  TEXT,
        uri          TEXT,
        target_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        category     TEXT NOT NULL CHECK (category IN ('rule', 'spam', 'other')),
        rule         INTEGER,
        comment      TEXT NOT NULL DEFAULT '',
        forwarded    INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL,
        resolved_at  INTEGER,
        resolved_by  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
        outcome      TEXT
    );
    CREATE INDEX reports_open ON reports (id) WHERE resolved_at IS NULL;
    CREATE TABLE report_posts (
        report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        post_id    INTEGER REFERENCES posts (id) ON DELETE SET NULL,
        html       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (report_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE moderation_log (
        id         INTEGER PRIMARY KEY,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        target     TEXT NOT NULL,
        reason     TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );

    CREATE TABLE notifications_rebuilt (
        id              INTEGER PRIMARY KEY,
        account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        kind            TEXT NOT NULL
                        CHECK (kind IN ('mention', 'reply', 'follow', 'boost', 'favourite', 'poll',
                                        'report', 'warning', 'report_handled')),
        from_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id         INTEGER REFERENCES posts (id) ON DELETE CASCADE,
        created_at      INTEGER NOT NULL,
        seen            INTEGER NOT NULL DEFAULT 0,
        report_id       INTEGER REFERENCES reports (id) ON DELETE CASCADE,
        message         TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO notifications_rebuilt (id, account_id, kind, from_account_id, post_id, created_at, seen)
        SELECT id, account_id, kind, from_account_id, post_id, created_at, seen FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_rebuilt RENAME TO notifications;
    CREATE INDEX notifications_account ON notifications (account_id, id);
    CREATE INDEX notifications_post ON notifications (post_id);
    "#,
    // 19: the line a host or moderator writes to introduce a member to the camp.
    r#"
    ALTER TABLE users ADD COLUMN introduction TEXT NOT NULL DEFAULT '';
    "#,
    // 20: the bugle. Whether a member hears it and whether they may sound it, and when each
    // member sounded it (kept when the message is deleted, so deleting does not reset the limit).
    r#"
    ALTER TABLE users ADD COLUMN bugle_off INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN bugle_taken INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE bugles (
        id         INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id    INTEGER REFERENCES posts (id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX bugles_account ON bugles (account_id, created_at);
    "#,
    // 21: announcements from the hosts: shown on every page until each member dismisses them
    // (and in apps), with the reactions members give them.
    r#"
    CREATE TABLE announcements (
        id         INTEGER PRIMARY KEY,
        text       TEXT NOT NULL,
        html       TEXT NOT NULL,
        author_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE announcement_reads (
        announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
        account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        PRIMARY KEY (announcement_id, account_id)
    ) WITHOUT ROWID;
    CREATE TABLE announcement_reactions (
        announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
        account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name            TEXT NOT NULL,
        PRIMARY KEY (announcement_id, account_id, name)
    ) WITHOUT ROWID;
    "#,
    // 22: pictures the box makes. Each upload's display copies (small and large) and blurhash,
    // beside it rather than in it: a column after `bytes` would make every read of an upload's
    // size walk the picture's overflow pages. Profile pictures (a member's avatar and header,
    // the camp's header when `account_id` is NULL) are kept as the box cut them; a member's
    // avatar and header address is in `accounts` (`/files/NAME` for members, the address
    // elsewhere for remote accounts) so the lists that read authors need no other join.
    r#"
    CREATE TABLE picture_copies (
        upload_id  INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
        size       TEXT NOT NULL CHECK (size IN ('small', 'large')),
        file_name  TEXT NOT NULL UNIQUE,
        media_type TEXT NOT NULL,
        width      INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        bytes      BLOB NOT NULL,
        PRIMARY KEY (upload_id, size)
    );
    CREATE TABLE picture_blurhashes (
        upload_id INTEGER PRIMARY KEY REFERENCES uploads (id) ON DELETE CASCADE,
        blurhash  TEXT NOT NULL
    );
    CREATE TABLE profile_pictures (
        file_name  TEXT PRIMARY KEY,
        account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
        role       TEXT NOT NULL CHECK (role IN ('avatar', 'header')),
        media_type TEXT NOT NULL,
        width      INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        bytes      BLOB NOT NULL
    );
    CREATE UNIQUE INDEX profile_pictures_one ON profile_pictures (IFNULL(account_id, 0), role);
    ALTER TABLE accounts ADD COLUMN header_url TEXT;
    "#,
    // 23: events. An event is a post (its audience, replies and federation are the post's)
    // with a title, a time and a place; members answer it. `reminded_at` is set once its
    // reminders are written. A member's calendar feed has a secret address of its own.
    // Notifications gain `event` (a reminder), so the table is rebuilt for its CHECK.
    r#"
    CREATE TABLE events (
        post_id     INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
        title       TEXT NOT NULL,
        starts_at   INTEGER NOT NULL,
        ends_at     INTEGER,
        place       TEXT NOT NULL DEFAULT '',
        link        TEXT NOT NULL DEFAULT '',
        zone        TEXT NOT NULL DEFAULT 'UTC',
        description TEXT NOT NULL DEFAULT '',
        reminded_at INTEGER
    );
    CREATE INDEX events_by_start ON events (starts_at);
    CREATE TABLE event_answers (
        post_id    INTEGER NOT NULL REFERENCES events (post_id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        answer     TEXT NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
        answered_at INTEGER NOT NULL,
        PRIMARY KEY (post_id, account_id)
    ) WITHOUT ROWID;
    CREATE TABLE calendar_feeds (
        account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
        token      TEXT NOT NULL UNIQUE
    );
    CREATE TABLE notifications_rebuilt (
        id              INTEGER PRIMARY KEY,
        account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        kind            TEXT NOT NULL
                        CHECK (kind IN ('mention', 'reply', 'follow', 'boost', 'favourite', 'poll',
                                        'report', 'warning', 'report_handled', 'event')),
        from_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        post_id         INTEGER REFERENCES posts (id) ON DELETE CASCADE,
        created_at      INTEGER NOT NULL,
        seen            INTEGER NOT NULL DEFAULT 0,
        report_id       INTEGER REFERENCES reports (id) ON DELETE CASCADE,
        message         TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO notifications_rebuilt
        SELECT id, account_id, kind, from_account_id, post_id, created_at, seen, report_id, message
          FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_rebuilt RENAME TO notifications;
    CREATE INDEX notifications_account ON notifications (account_id, id);
    CREATE INDEX notifications_post ON notifications (post_id);
    "#,
    // 24: what a picture from elsewhere is said to be (its blurhash and size), for apps to draw
    // while it loads and for pages not to jump.
    r#"
    ALTER TABLE post_media ADD COLUMN blurhash TEXT NOT NULL DEFAULT '';
    ALTER TABLE post_media ADD COLUMN width INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE post_media ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
    "#,
    // 25: neighborhoods (docs/NEIGHBORHOODS.md). Posts and default audiences gain
    // `neighborhood`. Their CHECKs are loosened by editing the schema's text, as SQLite's
    // documentation allows for a change that every existing row still satisfies: rebuilding
    // `posts` would mean turning foreign keys off (impossible inside the migration's
    // transaction) or cascading deletes through every table that names a post. `apply` bumps
    // the schema version afterwards so that every connection reads the new text.
    // Then: the neighborhood this camp belongs to (one row at most), the other camps in it, the
    // proposals it has seen with the approvals it has seen, what its host is told, and the
    // `Leave`s heard for a neighborhood before this camp was in it (messages cross).
    r#"
    PRAGMA writable_schema = ON;
    UPDATE sqlite_schema
       SET sql = replace(sql, '''local'', ''followers'', ''direct'')',
                              '''local'', ''neighborhood'', ''followers'', ''direct'')')
     WHERE type = 'table' AND name = 'posts';
    UPDATE sqlite_schema
       SET sql = replace(sql, 'default_audience IN (''local'', ''followers'',',
                              'default_audience IN (''local'', ''neighborhood'', ''followers'',')
     WHERE type = 'table' AND name = 'users';
    PRAGMA writable_schema = OFF;
    CREATE TABLE neighborhood (
        only_row  INTEGER PRIMARY KEY CHECK (only_row = 1),
        uri       TEXT NOT NULL,
        joined_at INTEGER NOT NULL
    );
    CREATE TABLE neighbor_camps (
        actor     TEXT PRIMARY KEY,
        host      TEXT NOT NULL UNIQUE,
        joined_at INTEGER NOT NULL,
        heard_at  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE neighborhood_proposals (
        id           INTEGER PRIMARY KEY,
        uri          TEXT NOT NULL UNIQUE,
        kind         TEXT NOT NULL CHECK (kind IN ('join', 'remove')),
        proposer     TEXT NOT NULL,
        subject      TEXT NOT NULL,
        neighborhood TEXT NOT NULL,
        members      TEXT NOT NULL,
        approvals    TEXT NOT NULL,
        state        TEXT NOT NULL
                     CHECK (state IN ('open', 'done', 'declined', 'withdrawn', 'void')),
        declined_by  TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    CREATE TABLE neighborhood_log (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        message TEXT NOT NULL
    );
    CREATE TABLE neighborhood_departures (
        camp         TEXT NOT NULL,
        neighborhood TEXT NOT NULL,
        at           INTEGER NOT NULL,
        PRIMARY KEY (camp, neighborhood)
    ) WITHOUT ROWID;
    CREATE INDEX posts_neighborhood ON posts (id) WHERE audience = 'neighborhood';
    "#,
    // 26: block lists shared by others: the sources (a neighbor camp, by host, or a list's
    // address a host subscribed to) with what the host chose to do with each, and what each
    // offered with what became of it. A block applied because of a source names it, so that
    // the source's retraction lifts it (and only it); NULL is the host's own.
    r#"
    ALTER TABLE domain_blocks ADD COLUMN source TEXT;
    CREATE TABLE block_sources (
        source     TEXT PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('neighbor', 'list')),
        mode       TEXT NOT NULL DEFAULT 'review' CHECK (mode IN ('apply', 'review', 'ignore')),
        due_at     INTEGER NOT NULL DEFAULT 0,
        checked_at INTEGER,
        status     TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE TABLE offered_blocks (
        source  TEXT NOT NULL REFERENCES block_sources (source) ON DELETE CASCADE,
        domain  TEXT NOT NULL,
        level   TEXT NOT NULL CHECK (level IN ('suspend', 'silence', 'reject_media')),
        reason  TEXT NOT NULL DEFAULT '',
        state   TEXT NOT NULL
                CHECK (state IN ('pending', 'applied', 'dismissed', 'refused', 'ignored', 'kept')),
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (source, domain)
    ) WITHOUT ROWID;
    CREATE INDEX offered_blocks_pending ON offered_blocks (source) WHERE state = 'pending';
    "#,
    // 27: leaving and arriving (docs/MOVING.md). Where an account moved to (a member who moved
    // away, or someone elsewhere whose `Move` was believed), the other accounts a member says
    // are theirs (their `alsoKnownAs`), the posts brought in from an archive (by the original's
    // id, so that importing twice adds nothing), and the exports and imports, each a job with
    // its progress, the archive's file in the data folder, and what it could not do; and who
    // wants to go along if the camp forks (a "Camp 2" bundle holds only them).
    r#"
    ALTER TABLE accounts ADD COLUMN moved_to TEXT;
    ALTER TABLE accounts ADD COLUMN moved_at INTEGER;
    CREATE TABLE account_aliases (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        uri        TEXT NOT NULL,
        added_at   INTEGER NOT NULL,
        PRIMARY KEY (account_id, uri)
    ) WITHOUT ROWID;
    ALTER TABLE posts ADD COLUMN imported_from TEXT;
    CREATE UNIQUE INDEX posts_imported ON posts (author_id, imported_from)
        WHERE imported_from IS NOT NULL;
    CREATE TABLE archive_jobs (
        id          INTEGER PRIMARY KEY,
        account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('export', 'import', 'fork', 'fork_import')),
        state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        done        INTEGER NOT NULL DEFAULT 0,
        total       INTEGER NOT NULL DEFAULT 0,
        file        TEXT NOT NULL,
        report      TEXT NOT NULL DEFAULT '',
        created_at  INTEGER NOT NULL,
        finished_at INTEGER
    );
    CREATE INDEX archive_jobs_account ON archive_jobs (account_id, id);
    ALTER TABLE users ADD COLUMN fork_consent INTEGER NOT NULL DEFAULT 0;
    "#,
    // 28: what a post from elsewhere says of itself beyond its text: marked sensitive (with or
    // without a content warning), its language (from `contentMap`), and the post it quotes (its
    // id, and the post here once the camp has it).
    r#"
    ALTER TABLE posts ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE posts ADD COLUMN language TEXT;
    ALTER TABLE posts ADD COLUMN quote_uri TEXT;
    ALTER TABLE posts ADD COLUMN quote_id INTEGER REFERENCES posts (id) ON DELETE SET NULL;
    CREATE INDEX posts_quote ON posts (quote_id) WHERE quote_id IS NOT NULL;
    "#,
    // 29: a picture from elsewhere is found by its address when the camp first fetches it, to
    // note its real size and a blurhash on the posts that carry it.
    r#"
    CREATE INDEX post_media_url ON post_media (url);
    "#,
    // 30: a new host's home page asks on every visit whether the camp has a second host; a
    // member's row holds their private key, so a scan for the role read every page of them.
    // And what the camp measured of a picture from elsewhere, by its address, so that a post
    // edited (its media written again) or a new post with a picture already kept gets it too.
    r#"
    CREATE INDEX users_by_role ON users (role);
    CREATE TABLE remote_pictures (
        url      TEXT PRIMARY KEY,
        width    INTEGER NOT NULL,
        height   INTEGER NOT NULL,
        blurhash TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 31: posts that quote one the camp did not have when they came, found by the quoted
    // post's id when it arrives, to name it (a few rows: the index holds only those).
    r#"
    CREATE INDEX posts_waiting_quote ON posts (quote_uri)
        WHERE quote_id IS NULL AND quote_uri IS NOT NULL;
    "#,
    // 32: lists of the fediverse ask, for each post from elsewhere, whether its server is
    // silenced: the silenced servers, a few among a shared list's thousands, are read alone.
    r#"
    CREATE INDEX domain_blocks_silenced ON domain_blocks (domain) WHERE level = 'silence';
    "#,
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    apply_up_to(conn, latest())
}

/// Migrates to schema version `target` (the tests stop short of the latest to check one step).
pub(crate) fn apply_up_to(conn: &mut Connection, target: i64) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest() {
        // A newer Porchlight wrote this file; running an older one on it could corrupt it.
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "the database has schema version {current}, newer than this Porchlight \
                 understands ({}); please run the newer version",
                latest()
            )),
        ));
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        if sql.contains("writable_schema") {
            // The schema's text was edited in place: a new version makes every connection
            // (this one included) read it again.
            let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
            tx.pragma_update(None, "schema_version", version + 1)?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        log::info!("database schema migrated to version {}", index + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 25 edits the text of two CHECKs: every row stays, and nothing else loosens.
    #[test]
    fn the_neighborhood_audience_is_added_without_touching_a_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("p.db")).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        apply_up_to(&mut conn, 24).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (id, username, created_at) VALUES (1, 'ana', 0);
             INSERT INTO posts (id, author_id, audience, text, created_at) VALUES (1, 1, 'local', 'hi', 0);
             INSERT INTO post_tags (tag, post_id) VALUES ('lake', 1);
             INSERT INTO users (account_id, password_hash, role, created_at) VALUES (1, 'x', 'host', 0);",
        )
        .unwrap();
        assert!(
            conn.execute(
                "UPDATE posts SET audience = 'neighborhood' WHERE id = 1",
                []
            )
            .is_err()
        );
        apply(&mut conn).unwrap();
        let kept: (i64, i64) = conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM post_tags)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(kept, (1, 1));
        conn.execute(
            "UPDATE posts SET audience = 'neighborhood' WHERE id = 1",
            [],
        )
        .unwrap();
        assert!(
            conn.execute("UPDATE posts SET audience = 'friends' WHERE id = 1", [])
                .is_err()
        );
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        // A second connection reads the new text too.
        let other = Connection::open(dir.path().join("p.db")).unwrap();
        other
            .execute("UPDATE users SET default_audience = 'neighborhood'", [])
            .unwrap();
        assert!(
            other
                .execute("UPDATE users SET default_audience = 'direct'", [])
                .is_err()
        );
    }
}
