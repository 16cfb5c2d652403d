//! The OAuth consent page and the code shown to apps without a redirect address.

use maud::{Markup, html};

use crate::{Chrome, csrf_field, layout};

/// What a set of scopes lets an app do, in words.
pub fn scopes_in_words(scopes: &str) -> String {
    let mut can = Vec::new();
    let has = |s: &str| {
        scopes
            .split(' ')
            .any(|x| x == s || x.starts_with(&format!("{s}:")))
    };
    if has("read") {
        can.push("read your timelines, notifications and profile");
    }
    if has("write") {
        can.push("post, favourite, boost and change your profile as you");
    }
    if has("follow") {
        can.push("follow, block and mute people as you");
    }
    if has("push") {
        can.push("send you notifications");
    }
    if has("profile") && !has("read") {
        can.push("know who you are");
    }
    if can.is_empty() {
        "know who you are".to_string()
    } else {
        can.join("; ")
    }
}

/// The consent page: a member lets an app use their account (or not).
pub struct ConsentView<'a> {
    pub app_name: &'a str,
    pub website: &'a str,
    pub scopes: &'a str,
    /// The request's parameters, sent back with the answer.
    pub fields: &'a [(&'a str, String)],
}

pub fn consent(chrome: &Chrome, view: &ConsentView) -> Markup {
    layout(
        chrome,
        "Authorize an app",
        html! {
            h1 { "Let " (view.app_name) " use your account?" }
            div.card #consent {
                @if let Some(me) = chrome.me { p { "You are logged in as " strong { "@" (me.username) } "." } }
                @if !view.website.is_empty() { p.hint { "The app says it comes from " span.mono { (view.website) } "." } }
                p { (view.app_name) " will be able to: " (scopes_in_words(view.scopes)) "." }
                p.hint { "You can take this back at any time under Settings → Apps." }
                form #consent-form method="post" action="/oauth/authorize" {
                    (csrf_field(chrome))
                    @for (name, value) in view.fields { input type="hidden" name=(name) value=(value); }
                    p {
                        button type="submit" name="decision" value="approve" { "Authorize" }
                        " "
                        button.secondary type="submit" name="decision" value="deny" { "Deny" }
                    }
                }
            }
        },
    )
}

/// The code an app without a redirect address asks the member to copy.
pub fn oauth_code(chrome: &Chrome, app_name: &str, code: &str) -> Markup {
    layout(
        chrome,
        "Authorization code",
        html! {
            h1 { "Copy this code into " (app_name) }
            div.card {
                label for="oauth-code" { "Authorization code" }
                input #oauth-code type="text" readonly value=(code);
                p.hint { "It works once, for the next ten minutes." }
            }
        },
    )
}
