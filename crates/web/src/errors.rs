//! The page for a request that failed.

use maud::{Markup, html};

use crate::{Chrome, layout};

pub fn error_page(chrome: &Chrome, status: u16, message: &str) -> Markup {
    let title = match status {
        400 | 422 => "That did not work",
        403 => "Not allowed",
        404 => "Not found",
        413 => "Too large",
        429 => "Slow down",
        507 => "The disk is full",
        _ => "Something went wrong",
    };
    layout(
        chrome,
        title,
        html! {
            h1 { (title) }
            div.error role="alert" { (message) }
            p { a href="/" { "Back to the start" } }
        },
    )
}
