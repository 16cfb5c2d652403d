//! The ActivityPub side of the router: discovery (WebFinger, host-meta, NodeInfo), actor
//! documents, collections, posts as Notes, and the inboxes. Runs before the page router and
//! needs no session.
//!
//! Only public and unlisted posts are ever served here. Camp-only, followers-only and direct
//! posts answer 404 to a remote fetch, exactly like a post that does not exist.

use hyper::Method;
use porchlight_app::db::accounts::{self, Member};
use porchlight_app::db::federation as store;
use porchlight_app::db::timeline::{self, Query, Reader};
use porchlight_core::audience::{self, Audience, Viewer};
use porchlight_federation::ap::documents;
use porchlight_federation::ap::signature::Incoming;
use porchlight_federation::{Federation, outbox};
use serde_json::{Value, json};

use crate::{Request, Response, State};

const AP_CONTENT_TYPE: &str = "application/activity+json; charset=utf-8";

fn json_response(status: u16, content_type: &'static str, value: &Value) -> Response {
    Response {
        status,
        content_type,
        headers: vec![("access-control-allow-origin", "*".to_string())],
        body: bytes::Bytes::from(value.to_string()),
    }
}

fn not_found() -> Response {
    Response::text(404, "Not found.")
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    log::error!("federation: {e}");
    Response::text(
        503,
        "The server could not read its database. Please try again.",
    )
}

/// Answers the request if it is one of ActivityPub's; None lets the page router have it.
pub fn handle(s: &State, req: &Request) -> Option<Response> {
    let segments = req.segments();
    let is_get = matches!(req.method, Method::GET | Method::HEAD);
    let fed = s.app.federation.as_ref();
    match (is_get, segments.as_slice()) {
        (true, [".well-known", "webfinger"]) => Some(match fed {
            Some(fed) => webfinger(s, fed, req),
            None => not_found(),
        }),
        (true, [".well-known", "host-meta"]) => Some(match fed {
            Some(fed) => Response {
                status: 200,
                content_type: "application/xrd+xml; charset=utf-8",
                headers: Vec::new(),
                body: documents::host_meta(&fed.me.base_url).into(),
            },
            None => not_found(),
        }),
        (true, [".well-known", "nodeinfo"]) => {
            let base = match fed {
                Some(fed) => fed.me.base_url.clone(),
                None => s.base_url(req.host.as_deref()),
            };
            Some(json_response(
                200,
                "application/json",
                &json!({ "links": [
                    { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0") },
                    { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1") },
                ]}),
            ))
        }
        (true, ["nodeinfo", version @ ("2.0" | "2.1")]) => Some(nodeinfo(s, version)),
        (_, ["users", _, "inbox"]) | (_, ["inbox"]) if req.method == Method::POST => {
            Some(match fed {
                Some(fed) => receive(s, fed, req),
                None => not_found(),
            })
        }
        (true, ["actor"]) => fed.map(|fed| instance_actor(s, fed)),
        (true, ["neighborhood", "blocks"]) => fed.map(|fed| neighbor_block_list(s, fed, req)),
        (true, ["users", name]) => Some(match fed {
            Some(fed) if req.wants_activity_json() => member_document(s, fed, req, name, None),
            _ => Response::redirect(&format!("/@{name}")).with_status(302),
        }),
        (
            true,
            [
                "users",
                name,
                collection @ ("outbox" | "followers" | "following" | "collections"),
            ],
        )
        | (true, ["users", name, collection @ "collections", "featured"]) => Some(match fed {
            Some(fed) => member_document(s, fed, req, name, Some(collection)),
            None => not_found(),
        }),
        (true, ["posts", id]) if req.wants_activity_json() => Some(match fed {
            Some(fed) => post_document(s, fed, req, id, false),
            None => not_found(),
        }),
        (true, ["posts", id, "activity"]) => Some(match fed {
            Some(fed) => post_document(s, fed, req, id, true),
            None => not_found(),
        }),
        _ => None,
    }
}

fn webfinger(s: &State, fed: &Federation, req: &Request) -> Response {
    let resource = req.query("resource").unwrap_or("");
    let Some(username) = fed.me.webfinger_username(resource) else {
        // Someone at another server (or nobody) is not found here; anything else is a bad question.
        return match resource.starts_with("acct:") {
            true => not_found(),
            false => Response::text(400, "Ask for resource=acct:name@host."),
        };
    };
    // The camp's own actor is named after the camp's host, as Mastodon's is. GoToSocial checks
    // a signer by this round trip (actor → preferredUsername@host → WebFinger → the same actor)
    // and refuses every activity from a camp that does not answer it.
    if username.eq_ignore_ascii_case(&fed.me.host) {
        return json_response(
            200,
            "application/jrd+json; charset=utf-8",
            &documents::webfinger(
                &format!("acct:{}@{}", fed.me.host, fed.me.host),
                &fed.me.instance_actor_id(),
                &fed.me.base_url,
            ),
        );
    }
    match s.app.read(|c| accounts::member_by_username(c, username)) {
        Ok(Some(member)) => json_response(
            200,
            "application/jrd+json; charset=utf-8",
            &documents::webfinger(
                &format!("acct:{}@{}", member.username, fed.me.host),
                &fed.me.actor_id(&member.username),
                &fed.me.profile_url(&member.username),
            ),
        ),
        Ok(None) => not_found(),
        Err(e) => unavailable(e),
    }
}

fn nodeinfo(s: &State, version: &str) -> Response {
    let facts = s.app.read(|c| -> porchlight_app::db::Result<_> {
        Ok((accounts::count_members(c)?, accounts::count_local_posts(c)?))
    });
    let (members, posts) = match facts {
        Ok(f) => f,
        Err(e) => return unavailable(e),
    };
    let (site, look) = match s.app.site().and_then(|site| Ok((site, s.app.camp_look()?))) {
        Ok(both) => both,
        Err(e) => return unavailable(e),
    };
    let schema = format!("http://nodeinfo.diaspora.software/ns/schema/{version}#");
    json_response(
        200,
        // The content type NodeInfo asks for names its schema.
        if version == "2.0" {
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.0#\""
        } else {
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""
        },
        &documents::nodeinfo(
            version,
            &documents::NodeFacts {
                version: env!("CARGO_PKG_VERSION"),
                name: &site.name,
                members: members as u64,
                active_month: members as u64,
                local_posts: posts.max(0) as u64,
                open_registrations: false,
                member_cap: site.member_cap.limit(),
                description: &look.description,
            },
        ),
    )
    .with_header("link", format!("<{schema}>; rel=\"profile\""))
}

fn instance_actor(s: &State, fed: &Federation) -> Response {
    let key = match s.app.instance_key() {
        Ok(k) => k,
        Err(e) => return unavailable(e),
    };
    let site_name = s.app.site().map(|site| site.name).unwrap_or_default();
    let id = fed.me.instance_actor_id();
    let mut doc = documents::actor(&documents::Actor {
        id: &id,
        kind: "Application",
        username: &fed.me.host,
        display_name: &site_name,
        summary_html: "",
        profile_url: &fed.me.base_url,
        shared_inbox: &fed.me.shared_inbox(),
        public_key_pem: key.public_pem(),
        published: 0,
        fields: &[],
        emojis: &[],
        icon: None,
        image: None,
    });
    // The instance actor's inbox is the shared one; it has no outbox of its own to speak of.
    doc["inbox"] = fed.me.shared_inbox().into();
    json_response(200, AP_CONTENT_TYPE, &doc)
}

/// With authorized fetch on, documents are only for signed requests from servers we do not
/// block (the instance actor and discovery stay open, or nobody could verify anybody).
fn fetch_allowed(s: &State, fed: &Federation, req: &Request) -> bool {
    if !fed.settings.authorized_fetch {
        return true;
    }
    let host = req.host.clone().unwrap_or_default();
    let incoming = incoming(fed, req, &host);
    s.app.signed_by_someone_elsewhere(&incoming)
}

fn member_document(
    s: &State,
    fed: &Federation,
    req: &Request,
    name: &str,
    collection: Option<&str>,
) -> Response {
    if !fetch_allowed(s, fed, req) {
        return Response::text(401, "This server answers signed requests only.");
    }
    let member = match s.app.read(|c| accounts::member_by_username(c, name)) {
        Ok(Some(m)) => m,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    let actor_id = fed.me.actor_id(&member.username);
    // A suspended member's actor says so; nothing of theirs is served until it is lifted.
    if member.suspended_at.is_some() && collection.is_some() {
        return not_found();
    }
    match collection {
        None => actor_document(s, fed, &member),
        Some("followers") | Some("following") => {
            let counts = s
                .app
                .read(|c| porchlight_app::db::social::follow_counts(c, member.id));
            let (following, followers) = match counts {
                Ok(c) => c,
                Err(e) => return unavailable(e),
            };
            let (which, total) = if collection == Some("followers") {
                ("followers", followers)
            } else {
                ("following", following)
            };
            // Who follows whom is the camper's business: the count is shown, the list is not.
            json_response(
                200,
                AP_CONTENT_TYPE,
                &json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{actor_id}/{which}"),
                    "type": "OrderedCollection",
                    "totalItems": total,
                }),
            )
        }
        Some("outbox") => outbox_document(s, fed, &member),
        _ => featured_document(s, fed, &member),
    }
}

/// The member's pinned posts, as Notes (as Mastodon serves its featured collection): those for
/// everyone only, so that no server learns of a narrower post by asking here.
fn featured_document(s: &State, fed: &Federation, member: &Member) -> Response {
    let actor_id = fed.me.actor_id(&member.username);
    let result = s.app.read(|c| -> porchlight_app::db::Result<Vec<Value>> {
        let mut notes = Vec::new();
        for id in porchlight_app::db::posts::pinned(c, member.id)? {
            let Some(post) = store::outgoing_post(c, id)? else {
                continue;
            };
            if !matches!(post.audience, Audience::Public | Audience::Unlisted) {
                continue;
            }
            if let Some((note, _)) = outbox::note_for(c, &fed.me, &post)? {
                notes.push(note);
            }
        }
        Ok(notes)
    });
    let notes = match result {
        Ok(notes) => notes,
        Err(e) => return unavailable(e),
    };
    json_response(
        200,
        AP_CONTENT_TYPE,
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor_id}/collections/featured"),
            "type": "OrderedCollection",
            "totalItems": notes.len(),
            "orderedItems": notes,
        }),
    )
}

fn actor_document(s: &State, fed: &Federation, member: &Member) -> Response {
    let key = match s.app.member_key(member.id) {
        Ok(k) => k,
        Err(e) => return unavailable(e),
    };
    let read = s.app.read(|c| {
        Ok::<_, porchlight_app::db::Error>((
            outbox::member_emojis(c, &fed.me, member.id)?,
            porchlight_app::db::moving::aliases(c, member.id)?,
        ))
    });
    let (emojis, aliases) = match read {
        Ok(e) => e,
        Err(e) => return unavailable(e),
    };
    let doc = outbox::actor_document(&fed.me, member, key.public_pem(), &emojis, &aliases);
    json_response(200, AP_CONTENT_TYPE, &doc)
}

/// The member's latest public and unlisted posts, as Create activities. Nothing narrower is
/// ever listed here.
fn outbox_document(s: &State, fed: &Federation, member: &Member) -> Response {
    let actor_id = fed.me.actor_id(&member.username);
    let result = s.app.read(|c| -> porchlight_app::db::Result<Vec<Value>> {
        let page = timeline::page(c, &Query::Profile(member.id), Reader::ANONYMOUS, None, 20)?;
        let mut items = Vec::new();
        for view in page.posts {
            // (Posts brought in from an archive are on the profile, not news to send.)
            if view.boosted_by.is_some()
                || view.imported
                || !matches!(view.audience, Audience::Public | Audience::Unlisted)
            {
                continue;
            }
            let Some(post) = store::outgoing_post(c, view.id)? else {
                continue;
            };
            if let Some((note, addressing)) = outbox::note_for(c, &fed.me, &post)? {
                items.push(documents::activity(
                    &format!("{}/activity", fed.me.post_id(view.id)),
                    "Create",
                    &actor_id,
                    note,
                    Some(&addressing),
                ));
            }
        }
        Ok(items)
    });
    let items = match result {
        Ok(items) => items,
        Err(e) => return unavailable(e),
    };
    for item in &items {
        debug_assert!(item["object"]["to"] != json!([]) || item["object"]["cc"] != json!([]));
    }
    json_response(
        200,
        AP_CONTENT_TYPE,
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor_id}/outbox"),
            "type": "OrderedCollection",
            "totalItems": items.len(),
            "orderedItems": items,
        }),
    )
}

/// A local post as a Note (or its Create): only if anyone at all may see it.
fn post_document(
    s: &State,
    fed: &Federation,
    req: &Request,
    id: &str,
    as_activity: bool,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let (audience, written) = match s.app.read(|c| store::outgoing_post(c, id)) {
        Ok(Some(post)) => (post.audience, post.created_at),
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    // Who asks, as the audience rules see a request from elsewhere: a neighbor camp's signed
    // request for a neighborhood post written since it joined, anyone else only for what anyone
    // may read. A signature is checked only where it matters (or where the camp asks for one
    // on every fetch).
    let host = req.host.clone().unwrap_or_default();
    let viewer = Viewer {
        is_neighbor: audience == Audience::Neighborhood
            && s.app
                .neighbor_signing(&incoming(fed, req, &host))
                .is_some_and(|since| since <= written),
        ..Viewer::ANONYMOUS
    };
    if !audience::can_view(audience, viewer) {
        return not_found();
    }
    if !viewer.is_neighbor && !fetch_allowed(s, fed, req) {
        return Response::text(401, "This server answers signed requests only.");
    }
    let result = s
        .app
        .read(|c| -> porchlight_app::db::Result<Option<Value>> {
            let Some(post) = store::outgoing_post(c, id)? else {
                return Ok(None);
            };
            if post.author_domain.is_some()
                || post.boost_of.is_some()
                || porchlight_app::db::moderation::suspended_at(c, post.author_id)?.is_some()
            {
                return Ok(None);
            }
            let Some((note, addressing)) = outbox::note_for(c, &fed.me, &post)? else {
                return Ok(None);
            };
            if !as_activity {
                let mut note = note;
                note["@context"] = documents::context();
                return Ok(Some(note));
            }
            Ok(Some(documents::activity(
                &format!("{}/activity", fed.me.post_id(id)),
                "Create",
                &fed.me.actor_id(&post.author_username),
                note,
                Some(&addressing),
            )))
        });
    match result {
        Ok(Some(doc)) => json_response(200, AP_CONTENT_TYPE, &doc),
        Ok(None) => not_found(),
        Err(e) => unavailable(e),
    }
}

/// This camp's own blocks, for its neighbor camps' signed requests only (everyone else: 404,
/// as if there were no list).
fn neighbor_block_list(s: &State, fed: &Federation, req: &Request) -> Response {
    let host = req.host.clone().unwrap_or_default();
    if s.app.neighbor_signing(&incoming(fed, req, &host)).is_none() {
        return not_found();
    }
    match s.app.block_list_for_neighbors() {
        Ok(doc) => json_response(200, AP_CONTENT_TYPE, &doc),
        Err(_) => not_found(),
    }
}

/// The request as the signature checks see it.
fn incoming<'a>(fed: &Federation, req: &'a Request, host: &'a str) -> Incoming<'a> {
    Incoming {
        method: req.method.as_str(),
        scheme: if fed.me.base_url.starts_with("https:") {
            "https"
        } else {
            "http"
        },
        authority: host,
        path_and_query: &req.path_and_query,
        headers: &req.headers,
        body: &req.body,
    }
}

fn receive(s: &State, fed: &Federation, req: &Request) -> Response {
    if req.body_too_large {
        return Response::text(413, "The activity is too large.");
    }
    let host = req.host.clone().unwrap_or_default();
    let incoming = incoming(fed, req, &host);
    match s.app.receive_activity(&incoming) {
        Ok(()) => Response::text(202, ""),
        Err(refusal) => {
            log::info!(
                "refused an activity from {}: {}",
                req.remote,
                refusal.message()
            );
            Response::text(refusal.status(), refusal.message())
        }
    }
}
