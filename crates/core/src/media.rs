//! Rules for pictures on posts: how many, how long an alt text, where the focus may be.

/// Pictures on one post (as Mastodon allows).
pub const MAX_ATTACHMENTS: usize = 4;

/// The longest alt text, in characters (as Mastodon allows).
pub const MAX_DESCRIPTION: usize = 1500;

/// The largest picture taken, in bytes (the composer says it in MB).
pub const MAX_PICTURE_BYTES: usize = 10 * 1024 * 1024;

/// The box the small display copy of a picture fits in: timelines on a phone.
pub const SMALL_SIDE: u32 = 640;
/// The box the large display copy fits in: a wide screen, or a phone's sharp one. Pictures from
/// elsewhere are kept no larger than this.
pub const LARGE_SIDE: u32 = 1280;

/// The size a `width` × `height` picture shrinks to when it is fitted into a `side` × `side`
/// box, keeping its shape; never enlarged, never below one pixel.
pub fn fitted(width: u32, height: u32, side: u32) -> (u32, u32) {
    let scale = (f64::from(side) / f64::from(width.max(height).max(1))).min(1.0);
    (
        ((f64::from(width) * scale).round() as u32).max(1),
        ((f64::from(height) * scale).round() as u32).max(1),
    )
}

/// A picture waiting this long without being posted is forgotten (seconds).
pub const WAITING_UPLOAD_TTL: i64 = 24 * 3600;

#[derive(Debug, PartialEq, Eq)]
pub enum MediaError {
    TooMany { max: usize },
    DescriptionTooLong { max: usize, got: usize },
    BadFocus,
}

impl std::fmt::Display for MediaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaError::TooMany { max } => write!(f, "A post can have at most {max} pictures."),
            MediaError::DescriptionTooLong { max, got } => write!(
                f,
                "The description can have at most {max} characters; it has {got}."
            ),
            MediaError::BadFocus => write!(
                f,
                "The focus is two numbers from -1 to 1, separated by a comma, like \"0.5,-0.2\"."
            ),
        }
    }
}

impl std::error::Error for MediaError {}

/// Where a picture's subject is: x and y from -1 to 1.
pub type Focus = (f64, f64);

/// Reads a focus point as Mastodon's apps send it: `"x,y"`, each from -1.0 to 1.0 (0,0 is the
/// middle; x grows to the right, y upwards).
pub fn parse_focus(text: &str) -> Result<Focus, MediaError> {
    let (x, y) = text.split_once(',').ok_or(MediaError::BadFocus)?;
    let coordinate = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && (-1.0..=1.0).contains(v))
            .ok_or(MediaError::BadFocus)
    };
    Ok((coordinate(x)?, coordinate(y)?))
}

/// The alt text, trimmed, if it is not too long.
pub fn check_description(text: &str) -> Result<String, MediaError> {
    let text = text.trim();
    let got = text.chars().count();
    if got > MAX_DESCRIPTION {
        return Err(MediaError::DescriptionTooLong {
            max: MAX_DESCRIPTION,
            got,
        });
    }
    Ok(text.to_string())
}

/// The attachment ids of a post, if there are not too many; repeated ids count once.
pub fn check_attachments(ids: &[i64]) -> Result<Vec<i64>, MediaError> {
    let mut unique: Vec<i64> = Vec::with_capacity(ids.len());
    for &id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    if unique.len() > MAX_ATTACHMENTS {
        return Err(MediaError::TooMany {
            max: MAX_ATTACHMENTS,
        });
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_fit_their_box_and_keep_their_shape() {
        let cases = [
            ((4000, 3000, 640), (640, 480)),
            ((3000, 4000, 1280), (960, 1280)),
            ((600, 400, 640), (600, 400)),
            ((3000, 100, 640), (640, 21)),
            ((100_000, 1, 640), (640, 1)),
            ((0, 0, 640), (1, 1)),
        ];
        for ((width, height, side), want) in cases {
            assert_eq!(
                fitted(width, height, side),
                want,
                "{width}×{height} in {side}"
            );
        }
    }

    #[test]
    fn focus_points() {
        let cases: &[(&str, Result<Focus, MediaError>)] = &[
            ("0,0", Ok((0.0, 0.0))),
            ("0.5,-0.25", Ok((0.5, -0.25))),
            (" -1 , 1 ", Ok((-1.0, 1.0))),
            ("1.01,0", Err(MediaError::BadFocus)),
            ("0", Err(MediaError::BadFocus)),
            ("a,b", Err(MediaError::BadFocus)),
            ("NaN,0", Err(MediaError::BadFocus)),
            ("inf,0", Err(MediaError::BadFocus)),
            ("", Err(MediaError::BadFocus)),
        ];
        for (text, want) in cases {
            assert_eq!(&parse_focus(text), want, "{text:?}");
        }
    }

    #[test]
    fn descriptions_and_counts() {
        assert_eq!(check_description("  a dog  ").unwrap(), "a dog");
        assert_eq!(
            check_description(&"é".repeat(1500))
                .unwrap()
                .chars()
                .count(),
            1500
        );
        assert_eq!(
            check_description(&"é".repeat(1501)),
            Err(MediaError::DescriptionTooLong {
                max: 1500,
                got: 1501
            })
        );
        type Case<'a> = (&'a [i64], Result<Vec<i64>, MediaError>);
        let cases: &[Case] = &[
            (&[], Ok(vec![])),
            (&[3, 1, 2], Ok(vec![3, 1, 2])),
            (&[3, 3, 1], Ok(vec![3, 1])),
            (&[1, 2, 3, 4], Ok(vec![1, 2, 3, 4])),
            (&[1, 2, 3, 4, 5], Err(MediaError::TooMany { max: 4 })),
        ];
        for (ids, want) in cases {
            assert_eq!(&check_attachments(ids), want, "{ids:?}");
        }
    }
}
