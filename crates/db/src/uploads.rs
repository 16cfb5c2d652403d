//! Pictures members upload: waiting for a post (as apps upload first and post after), then
//! attached to one. Deleting the post deletes its pictures.

pub use porchlight_core::views::{PictureCopy, Upload, UploadId};
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, Row, params};

pub struct NewUpload<'a> {
    pub account_id: AccountId,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub description: &'a str,
    pub focus: (f64, f64),
    pub bytes: &'a [u8],
    pub now: UnixTime,
}

/// An upload with its copies' sizes and blurhash (never their bytes).
const COLUMNS: &str = "u.id, u.account_id, u.post_id, u.file_name, u.media_type, u.width, u.height, \
     u.description, u.focus_x, u.focus_y, u.created_at, \
     s.file_name, s.width, s.height, l.file_name, l.width, l.height, IFNULL(b.blurhash, '') \
     FROM uploads u \
     LEFT JOIN picture_copies s ON s.upload_id = u.id AND s.size = 'small' \
     LEFT JOIN picture_copies l ON l.upload_id = u.id AND l.size = 'large' \
     LEFT JOIN picture_blurhashes b ON b.upload_id = u.id";

fn copy_at(row: &Row, at: usize) -> rusqlite::Result<Option<PictureCopy>> {
    row.get::<_, Option<String>>(at)?
        .map(|file_name| -> rusqlite::Result<PictureCopy> {
            Ok(PictureCopy {
                file_name,
                width: row.get(at + 1)?,
                height: row.get(at + 2)?,
            })
        })
        .transpose()
}

fn from_row(row: &Row) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: row.get(0)?,
        account_id: row.get(1)?,
        post_id: row.get(2)?,
        file_name: row.get(3)?,
        media_type: row.get(4)?,
        width: row.get(5)?,
        height: row.get(6)?,
        description: row.get(7)?,
        focus: (row.get(8)?, row.get(9)?),
        created_at: row.get(10)?,
        small: copy_at(row, 11)?,
        large: copy_at(row, 14)?,
        blurhash: row.get(17)?,
    })
}

pub fn insert(conn: &Connection, u: &NewUpload) -> rusqlite::Result<UploadId> {
    conn.prepare_cached(
        "INSERT INTO uploads (account_id, file_name, media_type, width, height, description,
                              focus_x, focus_y, created_at, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        u.account_id,
        u.file_name,
        u.media_type,
        u.width,
        u.height,
        u.description,
        u.focus.0,
        u.focus.1,
        u.now,
        u.bytes
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A member's own upload.
pub fn own(conn: &Connection, id: UploadId, owner: AccountId) -> rusqlite::Result<Option<Upload>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE u.id = ?1 AND u.account_id = ?2"
    ))?
    .query_row(params![id, owner], from_row)
    .optional()
}

/// The picture at `/files/{file_name}`: an upload, one of its copies, or a profile picture;
/// its type and bytes.
pub fn file(conn: &Connection, file_name: &str) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.prepare_cached(
        "SELECT media_type, bytes FROM uploads WHERE file_name = ?1
         UNION ALL SELECT media_type, bytes FROM picture_copies WHERE file_name = ?1
         UNION ALL SELECT media_type, bytes FROM profile_pictures WHERE file_name = ?1
         LIMIT 1",
    )?
    .query_row([file_name], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// A copy the box made of an upload.
pub struct NewCopy<'a> {
    pub upload_id: UploadId,
    /// `small` or `large`.
    pub size: &'static str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: &'a [u8],
}

pub fn insert_copy(conn: &Connection, c: &NewCopy) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO picture_copies (upload_id, size, file_name, media_type, width, height, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        c.upload_id,
        c.size,
        c.file_name,
        c.media_type,
        c.width,
        c.height,
        c.bytes
    ])?;
    Ok(())
}

pub fn set_blurhash(conn: &Connection, upload: UploadId, blurhash: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO picture_blurhashes (upload_id, blurhash) VALUES (?1, ?2)",
    )?
    .execute(params![upload, blurhash])?;
    Ok(())
}

/// What the camp learned of a picture from elsewhere by fetching it: its real size, and a
/// blurhash, kept only where its server sent none. Written on every post that carries it, and
/// kept by address for posts that carry it later (`federation::set_post_media`); not kept for a
/// picture no post carries (a face, an emoji, a link's preview).
pub fn note_picture_from_elsewhere(
    conn: &Connection,
    url: &str,
    width: u32,
    height: u32,
    blurhash: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO remote_pictures (url, width, height, blurhash)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM post_media WHERE url = ?1)",
    )?
    .execute(params![url, width, height, blurhash.unwrap_or("")])?;
    conn.prepare_cached(
        "UPDATE post_media SET width = ?2, height = ?3,
                blurhash = CASE WHEN blurhash = '' THEN ?4 ELSE blurhash END
         WHERE url = ?1",
    )?
    .execute(params![url, width, height, blurhash.unwrap_or("")])?;
    Ok(())
}

/// Which profile picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileRole {
    Avatar,
    Header,
}

impl ProfileRole {
    fn as_str(self) -> &'static str {
        match self {
            ProfileRole::Avatar => "avatar",
            ProfileRole::Header => "header",
        }
    }
}

/// A profile picture cut by the box.
pub struct NewProfilePicture<'a> {
    /// `None`: the camp's own.
    pub account_id: Option<AccountId>,
    pub role: ProfileRole,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: &'a [u8],
    pub now: UnixTime,
}

/// Puts a profile picture in place of the one before (if any); returns its path,
/// `/files/NAME`. A member's is also written to their account row, which lists read.
pub fn set_profile_picture(conn: &Connection, p: &NewProfilePicture) -> rusqlite::Result<String> {
    remove_profile_picture(conn, p.account_id, p.role)?;
    conn.prepare_cached(
        "INSERT INTO profile_pictures (file_name, account_id, role, media_type, width, height,
                                       created_at, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        p.file_name,
        p.account_id,
        p.role.as_str(),
        p.media_type,
        p.width,
        p.height,
        p.now,
        p.bytes
    ])?;
    let path = format!("/files/{}", p.file_name);
    if let Some(account) = p.account_id {
        set_account_picture(conn, account, p.role, Some(&path))?;
    }
    Ok(path)
}

/// Removes a profile picture; false if there was none.
pub fn remove_profile_picture(
    conn: &Connection,
    account: Option<AccountId>,
    role: ProfileRole,
) -> rusqlite::Result<bool> {
    let removed = conn
        .prepare_cached(
            "DELETE FROM profile_pictures WHERE IFNULL(account_id, 0) = IFNULL(?1, 0) AND role = ?2",
        )?
        .execute(params![account, role.as_str()])?
        > 0;
    if let Some(account) = account {
        set_account_picture(conn, account, role, None)?;
    }
    Ok(removed)
}

/// The camp's own picture in `role`, as `/files/NAME`.
pub fn camp_picture(conn: &Connection, role: ProfileRole) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT file_name FROM profile_pictures WHERE account_id IS NULL AND role = ?1",
    )?
    .query_row([role.as_str()], |r| r.get::<_, String>(0))
    .optional()
    .map(|name| name.map(|n| format!("/files/{n}")))
}

fn set_account_picture(
    conn: &Connection,
    account: AccountId,
    role: ProfileRole,
    path: Option<&str>,
) -> rusqlite::Result<()> {
    let sql = match role {
        ProfileRole::Avatar => "UPDATE accounts SET avatar_url = ?2 WHERE id = ?1",
        ProfileRole::Header => "UPDATE accounts SET header_url = ?2 WHERE id = ?1",
    };
    conn.prepare_cached(sql)?.execute(params![account, path])?;
    Ok(())
}

/// Changes the alt text and focus of an upload of `owner`'s that is on `post` (`None`: not
/// posted yet); false if there is none such.
pub fn describe(
    conn: &Connection,
    id: UploadId,
    owner: AccountId,
    post: Option<PostId>,
    description: &str,
    focus: (f64, f64),
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE uploads SET description = ?4, focus_x = ?5, focus_y = ?6
              WHERE id = ?1 AND account_id = ?2 AND post_id IS ?3",
        )?
        .execute(params![id, owner, post, description, focus.0, focus.1])?
        == 1)
}

/// Deletes an upload not yet posted; false if there is none such.
pub fn delete_waiting(conn: &Connection, id: UploadId, owner: AccountId) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM uploads WHERE id = ?1 AND account_id = ?2 AND post_id IS NULL",
        )?
        .execute(params![id, owner])?
        == 1)
}

/// Makes `ids` (in that order) the pictures of `post`, by its author `owner`. Each must be the
/// owner's, and waiting or already on this post; pictures the post had and `ids` leaves out are
/// deleted. Returns false, changing nothing, if any id is not such an upload.
pub fn set_for_post(
    conn: &Connection,
    post: PostId,
    owner: AccountId,
    ids: &[UploadId],
) -> rusqlite::Result<bool> {
    let mut check = conn.prepare_cached(
        "SELECT 1 FROM uploads WHERE id = ?1 AND account_id = ?2
            AND (post_id IS NULL OR post_id = ?3)",
    )?;
    for id in ids {
        if !check.exists(params![id, owner, post])? {
            return Ok(false);
        }
    }
    let list = crate::timeline::json_ids(ids.iter().copied());
    conn.prepare_cached(
        "DELETE FROM uploads WHERE post_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))",
    )?
    .execute(params![post, list])?;
    let mut attach =
        conn.prepare_cached("UPDATE uploads SET post_id = ?1, position = ?2 WHERE id = ?3")?;
    for (position, id) in ids.iter().enumerate() {
        attach.execute(params![post, position as i64, id])?;
    }
    Ok(true)
}

/// The pictures of the given posts, in their order.
pub fn of_posts(conn: &Connection, posts: &[PostId]) -> rusqlite::Result<Vec<Upload>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let list = crate::timeline::json_ids(posts.iter().copied());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE u.post_id IN (SELECT value FROM json_each(?1))
          ORDER BY u.post_id, u.position"
    ))?;
    stmt.query_map([list], from_row)?.collect()
}

/// Deletes uploads that waited longer than `before` without being posted (an app that
/// uploaded and then gave up); returns how many.
pub fn forget_waiting(conn: &Connection, before: UnixTime) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM uploads WHERE post_id IS NULL AND created_at < ?1")?
        .execute([before])
}
