//! Fuzzes what reads ActivityPub documents from elsewhere: the JSON limits, actors, notes, key
//! owners, WebFinger answers, a neighbor camp's block list, and the inbox's reading of every
//! kind of activity, neighborhood messages included (the pure half of the dispatcher; applying
//! it needs the database).
#![no_main]

use libfuzzer_sys::fuzz_target;
use porchlight_ap::inbound::{self, RemoteActor, RemoteNote};
use porchlight_federation::inbox::Inbound;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = inbound::parse_json(data) else {
        return;
    };
    let from = "https://peer.example/users/x";
    if let Ok(actor) = RemoteActor::from_json(&doc, from) {
        // An actor speaks only for the server it was fetched from, as a URL parser that nobody
        // here wrote reads its addresses too (`https://peer.example@evil.example/` is evil's).
        for address in [&actor.id, &actor.inbox] {
            let parsed = url::Url::parse(address).expect("an actor's address is a URL");
            assert_eq!(parsed.host_str(), Some("peer.example"), "{address}");
        }
    }
    let _ = RemoteNote::from_json(&doc);
    let _ = inbound::key_owner(&doc, "https://peer.example/users/x#main-key");
    let _ = inbound::webfinger_profile(&doc);
    let _ = Inbound::read(&doc, from);
    let _ = porchlight_ap::neighborhood::read_block_list(&doc);
});
