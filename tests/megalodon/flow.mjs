// megalodon, a third fediverse client library nobody here wrote (Whalebird and other apps are
// built on it), drives a real Porchlight camp. Run by crates/http/tests/suite/megalodon.rs with
// PORCHLIGHT_BASE, PORCHLIGHT_USER, PORCHLIGHT_PASSWORD and PORCHLIGHT_PICTURE set: it registers
// an app, logs the member in through the web page and approves the app, takes its token with
// megalodon's OAuth client, then posts (with a mention, a tag and a picture), posts a poll and votes in
// another's, reads who favourited, reads its notifications, subscribes to Web Push, and revokes its token. Exits
// non-zero on the first failure.
import assert from "node:assert/strict";
import fs from "node:fs";
import megalodon from "megalodon";

// (megalodon is CommonJS: its generator is the module's `default`.)
const generator = megalodon.default ?? megalodon;

const base = process.env.PORCHLIGHT_BASE;
const user = process.env.PORCHLIGHT_USER;
const password = process.env.PORCHLIGHT_PASSWORD;
const redirectUri = "http://127.0.0.1:9/callback";
const step = (text) => console.log(`megalodon: ${text}`);

// A member's browser: cookies kept by hand, forms posted as a browser posts them.
const cookies = new Map();
async function browse(path, form) {
  const response = await fetch(new URL(path, base), {
    method: form ? "POST" : "GET",
    redirect: "manual",
    headers: {
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const [name, value] = pair.split("=");
    cookies.set(name, value);
  }
  return { status: response.status, location: response.headers.get("location"), text: await response.text() };
}
const csrfOf = (html) => html.match(/name="csrf" value="([0-9a-f]+)"/)[1];
const hidden = (html) => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));

step("registering an app");
const open = generator("mastodon", base);
const app = await open.registerApp("megalodon test", {
  scopes: ["read", "write", "follow", "push"],
  redirect_uris: redirectUri,
});
assert.ok(app.client_id && app.client_secret && app.url, JSON.stringify(app));

step("logging in and approving the app at the address megalodon made");
const login = await browse("/login");
const loggedIn = await browse("/login", { username: user, password, csrf: csrfOf(login.text) });
assert.equal(loggedIn.status, 303);
const consent = await browse(new URL(app.url).pathname + new URL(app.url).search);
assert.equal(consent.status, 200, consent.text.slice(0, 300));
assert.match(consent.text, /megalodon test/);
const approved = await browse("/oauth/authorize", { ...hidden(consent.text), decision: "approve" });
assert.equal(approved.status, 303, approved.text.slice(0, 300));
const code = new URL(approved.location).searchParams.get("code");
const token = await open.fetchAccessToken(app.client_id, app.client_secret, code, redirectUri);
assert.ok(token.access_token, JSON.stringify(token));
const client = generator("mastodon", base, token.access_token);

step("who we are");
const me = (await client.verifyAccountCredentials()).data;
assert.equal(me.username, user);

step("posting with a mention, a tag and a picture");
const posted = (await client.postStatus("@mo meet at the #Lake", { visibility: "unlisted" })).data;
assert.equal(posted.visibility, "unlisted");
assert.deepEqual(posted.mentions.map((m) => m.acct), ["mo"]);
assert.deepEqual(posted.tags.map((t) => t.name), ["lake"]);
const media = (await client.uploadMedia(fs.createReadStream(process.env.PORCHLIGHT_PICTURE), { description: "The lake at dusk" })).data;
const withPicture = (await client.postStatus("A picture, from megalodon", { media_ids: [media.id] })).data;
assert.equal(withPicture.media_attachments[0].description, "The lake at dusk");

step("a reply, and who favourited");
const reply = (await client.postStatus("and a reply", { in_reply_to_id: posted.id })).data;
assert.equal(reply.in_reply_to_id, posted.id);
assert.equal(reply.in_reply_to_account_id, me.id);
await client.favouriteStatus(posted.id);
const favouritedBy = (await client.getStatusFavouritedBy(posted.id)).data;
assert.deepEqual(favouritedBy.map((a) => a.username), [user]);

step("a poll of our own, and a vote in Mo's");
const ours = (await client.postStatus("Canoe or kayak?", { poll: { options: ["canoe", "kayak"], expires_in: 3600, multiple: false } })).data;
assert.deepEqual(ours.poll.options.map((o) => o.title), ["canoe", "kayak"]);
assert.equal(ours.poll.expired, false);
assert.equal(ours.poll.votes_count, 0);
const theirs = (await client.getPoll(process.env.PORCHLIGHT_POLL)).data;
assert.deepEqual(theirs.options.map((o) => o.title), ["lake", "river", "sea"]);
assert.equal(theirs.multiple, true);
const voted = (await client.votePoll(process.env.PORCHLIGHT_POLL, [0, 2])).data;
assert.equal(voted.voted, true);
assert.deepEqual(voted.own_votes, [0, 2]);
assert.deepEqual(voted.options.map((o) => o.votes_count), [1, 0, 1]);
await assert.rejects(client.votePoll(process.env.PORCHLIGHT_POLL, [1]), "a second vote is refused");

step("notifications");
const notifications = (await client.getNotifications()).data;
const mention = notifications.find((n) => n.type === "mention");
assert.ok(mention, JSON.stringify(notifications));
assert.equal(mention.account.username, "mo");

step("subscribing to Web Push");
const subscribed = (await client.subscribePushNotification(
  { endpoint: "https://push.example/device/1", keys: { p256dh: "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU" /* P-256's base point: a valid key nobody holds */, auth: "c2VjcmV0LXNlY3JldDEyMw" } },
  { alerts: { mention: true, follow: false, favourite: true, reblog: false, poll: false } },
)).data;
assert.equal(subscribed.endpoint, "https://push.example/device/1");
assert.equal(subscribed.alerts.mention, true);
assert.equal(subscribed.alerts.follow, false);
assert.ok(subscribed.server_key.length > 80, JSON.stringify(subscribed));
await client.deletePushSubscription();

step("revoking the token");
await open.revokeToken(app.client_id, app.client_secret, token.access_token);
await assert.rejects(client.verifyAccountCredentials());
step("all done");
