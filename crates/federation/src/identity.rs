//! How this server names its actors and posts on the wire. Every id is derived from the public
//! address the host set; nothing stores a local object's URL.

use porchlight_core::PostId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `https://camp.example` (no trailing slash).
    pub base_url: String,
    /// `camp.example` (with a port if not the default): the part after `@` in handles.
    pub host: String,
}

impl Identity {
    /// None if the address is not an http(s) URL with a host.
    pub fn new(base_url: &str) -> Option<Identity> {
        let base_url = base_url.trim_end_matches('/').to_string();
        let host = porchlight_ap::inbound::host(&base_url)?;
        porchlight_ap::inbound::origin(&base_url)?;
        Some(Identity { base_url, host })
    }

    pub fn actor_id(&self, username: &str) -> String {
        format!("{}/users/{username}", self.base_url)
    }

    pub fn key_id(&self, username: &str) -> String {
        format!("{}/users/{username}#main-key", self.base_url)
    }

    pub fn followers(&self, username: &str) -> String {
        format!("{}/users/{username}/followers", self.base_url)
    }

    pub fn profile_url(&self, username: &str) -> String {
        format!("{}/@{username}", self.base_url)
    }

    pub fn post_id(&self, id: PostId) -> String {
        format!("{}/posts/{id}", self.base_url)
    }

    pub fn tag_url(&self, tag: &str) -> String {
        format!("{}/tags/{tag}", self.base_url)
    }

    /// The server's own actor, which signs fetches made on nobody's behalf.
    pub fn instance_actor_id(&self) -> String {
        format!("{}/actor", self.base_url)
    }

    pub fn instance_key_id(&self) -> String {
        format!("{}/actor#main-key", self.base_url)
    }

    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base_url)
    }

    /// A fresh id for an activity we send (an activity's id must be unique and ours).
    pub fn activity_id(&self, kind: &str, unique: &str) -> String {
        format!(
            "{}/activities/{}/{unique}",
            self.base_url,
            kind.to_ascii_lowercase()
        )
    }

    /// The local path of one of our URLs, or None if it is not ours.
    fn local_path<'a>(&self, url: &'a str) -> Option<&'a str> {
        let rest = url.strip_prefix(&self.base_url)?;
        rest.starts_with('/').then_some(rest)
    }

    /// The member a local actor id names.
    pub fn local_username<'a>(&self, actor_id: &'a str) -> Option<&'a str> {
        let name = self.local_path(actor_id)?.strip_prefix("/users/")?;
        let name = name.split('#').next()?;
        (!name.is_empty() && !name.contains('/')).then_some(name)
    }

    /// The name a WebFinger `resource` asks about, if it is one of this camp's: `acct:name@host`,
    /// an actor id, a profile page, or the camp's own actor (named after its host, as Mastodon's
    /// is). Whether such a member exists is for the caller to look up.
    pub fn webfinger_username<'a>(&'a self, resource: &'a str) -> Option<&'a str> {
        if let Some(acct) = resource.strip_prefix("acct:") {
            let (name, host) = acct.rsplit_once('@')?;
            let name = name.trim_start_matches('@');
            return (host.eq_ignore_ascii_case(&self.host) && !name.is_empty()).then_some(name);
        }
        if let Some(name) = self.local_username(resource) {
            return Some(name);
        }
        if let Some(name) = resource
            .strip_prefix(&self.base_url)
            .and_then(|p| p.strip_prefix("/@"))
        {
            return (!name.is_empty()).then_some(name);
        }
        (resource == self.instance_actor_id()).then_some(self.host.as_str())
    }

    /// The post a local post id (or its page) names.
    pub fn local_post(&self, url: &str) -> Option<PostId> {
        let rest = self.local_path(url)?.strip_prefix("/posts/")?;
        rest.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webfinger_asks_about_names_of_this_camp_only() {
        let me = Identity::new("https://camp.example/").unwrap();
        let cases: &[(&str, Option<&str>)] = &[
            ("acct:ana@camp.example", Some("ana")),
            ("acct:@ana@CAMP.example", Some("ana")),
            ("acct:ana@other.example", None),
            ("acct:@camp.example", None),
            ("acct:ana", None),
            ("https://camp.example/users/ana", Some("ana")),
            ("https://camp.example/@ana", Some("ana")),
            ("https://camp.example/@", None),
            ("https://camp.example/actor", Some("camp.example")),
            ("https://other.example/users/ana", None),
            ("", None),
        ];
        for (resource, expected) in cases {
            assert_eq!(me.webfinger_username(resource), *expected, "{resource}");
        }
    }

    #[test]
    fn local_ids_are_recognised_only_when_they_are_ours() {
        let me = Identity::new("https://camp.example/").unwrap();
        assert_eq!(me.host, "camp.example");
        assert_eq!(me.actor_id("ana"), "https://camp.example/users/ana");
        assert_eq!(
            me.local_username("https://camp.example/users/ana"),
            Some("ana")
        );
        assert_eq!(
            me.local_username("https://camp.example/users/ana#main-key"),
            Some("ana")
        );
        assert_eq!(
            me.local_username("https://camp.example/users/ana/inbox"),
            None
        );
        assert_eq!(
            me.local_username("https://camp.example.evil/users/ana"),
            None
        );
        assert_eq!(me.local_username("https://camp.examplex/users/ana"), None);
        assert_eq!(me.local_post("https://camp.example/posts/12"), Some(12));
        assert_eq!(me.local_post("https://other.example/posts/12"), None);
        let test = Identity::new("http://127.0.0.1:4000").unwrap();
        assert_eq!(test.host, "127.0.0.1:4000");
        assert!(Identity::new("camp.example").is_none());
    }
}
