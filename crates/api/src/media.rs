//! Pictures: `POST /api/v2/media` (and v1), then `media_ids` on a status. Alt text and focus
//! can be changed until the picture is posted; an unposted one can be deleted.

use porchlight_app::db::uploads::{PictureCopy, Upload};
use porchlight_app::uploads::PictureDetails;
use serde_json::{Value, json};

use crate::{ApiError, ApiResponse, Caller};

/// A MediaAttachment entity for an upload of this camp: `url` the picture as uploaded,
/// `preview_url` the small copy the box made (Mastodon's "small"), with both sizes and the
/// blurhash.
pub fn attachment(base: &str, u: &Upload) -> Value {
    let size = |c: &PictureCopy| {
        json!({
            "width": c.width,
            "height": c.height,
            "size": format!("{}x{}", c.width, c.height),
            "aspect": f64::from(c.width) / f64::from(c.height.max(1)),
        })
    };
    let small = u.small_or_original();
    json!({
        "id": u.id.to_string(),
        // (Not "gifv": for Mastodon that means the URL is a video.)
        "type": "image",
        "url": format!("{base}/files/{}", u.file_name),
        "preview_url": format!("{base}/files/{}", small.file_name),
        "remote_url": null,
        "text_url": null,
        "meta": {
            "original": size(&u.original()),
            "small": size(&small),
            "focus": { "x": u.focus.0, "y": u.focus.1 },
        },
        "description": if u.description.is_empty() { Value::Null } else { u.description.clone().into() },
        "blurhash": if u.blurhash.is_empty() { Value::Null } else { u.blurhash.clone().into() },
    })
}

fn details(c: &Caller) -> (Option<String>, Option<String>) {
    (c.params.text("description"), c.params.text("focus"))
}

/// `POST /api/v2/media` and `/api/v1/media`: the picture is ready at once (it is not
/// transcoded), so the answer is 200 with its URL, not 202.
pub fn upload(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let file = c
        .params
        .uploads()
        .iter()
        .find(|u| u.field == "file")
        .ok_or_else(|| ApiError::new(422, "Validation failed: File can't be blank"))?;
    let (description, focus) = details(c);
    let upload = c.app.upload_picture(
        me,
        &file.bytes,
        &PictureDetails {
            description: description.as_deref(),
            focus: focus.as_deref(),
        },
    )?;
    Ok(ApiResponse::ok(attachment(c.request.base_url, &upload)))
}

pub fn get(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let upload = c.app.own_upload(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(attachment(c.request.base_url, &upload)))
}

/// `PUT /api/v1/media/:id`: new alt text or focus, before the picture is posted.
pub fn update(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let (description, focus) = details(c);
    let upload = c.app.describe_upload(
        c.me()?,
        crate::path_id(found[0])?,
        &PictureDetails {
            description: description.as_deref(),
            focus: focus.as_deref(),
        },
    )?;
    Ok(ApiResponse::ok(attachment(c.request.base_url, &upload)))
}

/// `DELETE /api/v1/media/:id`: only a picture not posted yet.
pub fn delete(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app.delete_upload(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(json!({})))
}

/// The `media_ids` of a status, as numbers; one that is not a number is not a picture of yours.
pub fn media_ids(c: &Caller) -> Result<Vec<i64>, ApiError> {
    c.params
        .list("media_ids")
        .iter()
        .map(|id| {
            id.parse().map_err(|_| {
                ApiError::new(
                    422,
                    "Validation failed: One of the pictures is not yours or does not exist.",
                )
            })
        })
        .collect()
}
