// masto.js, a Mastodon client library nobody here wrote (it is what Elk is built on), drives a
// real Porchlight camp. Run by crates/http/tests/suite/masto_js.rs with PORCHLIGHT_BASE,
// PORCHLIGHT_USER and PORCHLIGHT_PASSWORD set: it registers an app, logs the member in through
// the web page, approves the app, gets its token with masto.js's OAuth client (which sends
// multipart forms), then posts, pages through timelines, favourites, deletes, and checks the
// error a bad token gets. Exits non-zero on the first failure.
import assert from "node:assert/strict";
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";

const base = process.env.PORCHLIGHT_BASE;
const user = process.env.PORCHLIGHT_USER;
const password = process.env.PORCHLIGHT_PASSWORD;
const redirectUri = "http://127.0.0.1:9/callback";
const step = (text) => console.log(`masto.js: ${text}`);

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

step("registering an app");
const open = createRestAPIClient({ url: base });
const app = await open.v1.apps.create({
  clientName: "masto.js test",
  redirectUris: redirectUri,
  scopes: "read write follow",
});
assert.ok(app.clientId && app.clientSecret);

step("logging in and approving the app");
const login = await browse("/login");
const loggedIn = await browse("/login", { username: user, password, csrf: csrfOf(login.text) });
assert.equal(loggedIn.status, 303);
const query = new URLSearchParams({
  response_type: "code", client_id: app.clientId, redirect_uri: redirectUri, scope: "read write follow", state: "m1",
});
const consent = await browse(`/oauth/authorize?${query}`);
assert.equal(consent.status, 200);
assert.match(consent.text, /masto\.js test/);
const approved = await browse("/oauth/authorize", {
  ...Object.fromEntries(query), csrf: csrfOf(consent.text), decision: "approve",
});
assert.equal(approved.status, 303);
const code = new URL(approved.location).searchParams.get("code");

const oauth = createOAuthAPIClient({ url: base });
const token = await oauth.token.create({
  grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret,
  redirectUri, code, scope: "read write follow",
});
assert.equal(token.tokenType, "Bearer");
const masto = createRestAPIClient({ url: base, accessToken: token.accessToken });

step("reading who we are and the instance");
const me = await masto.v1.accounts.verifyCredentials();
assert.equal(me.username, user);
const instance = await masto.v2.instance.fetch();
assert.match(instance.version, /Porchlight/);
assert.equal(instance.porchlight.localOnlyPosts, true);

step("posting");
const camp = await masto.v1.statuses.create({ status: "For the camp, from masto.js" });
assert.equal(camp.visibility, "private");
assert.equal(camp.localOnly, true);
const local = await masto.v1.statuses.create({ status: "Akkoma style", visibility: "local" });
assert.equal(local.localOnly, true);
const everyone = await masto.v1.statuses.create({ status: "For everyone, from masto.js", visibility: "public" });
assert.equal(everyone.visibility, "public");
assert.equal(everyone.account.acct, user);

step("uploading a picture and posting it");
const { readFile } = await import("node:fs/promises");
const photo = await readFile(process.env.PORCHLIGHT_PICTURE);
const media = await masto.v2.media.create({
  file: new Blob([photo], { type: "image/jpeg" }),
  description: "A porch light at dusk",
  focus: "0.5,-0.25",
});
assert.equal(media.type, "image");
assert.ok(media.url, "the picture is ready at once");
assert.equal(media.meta.focus.x, 0.5);
const described = await masto.v1.media.$select(media.id).update({ description: "Our porch light" });
assert.equal(described.description, "Our porch light");
const withPicture = await masto.v1.statuses.create({ status: "A picture, from masto.js", mediaIds: [media.id] });
assert.deepEqual(withPicture.mediaAttachments.map((m) => m.id), [media.id]);
assert.equal(withPicture.mediaAttachments[0].description, "Our porch light");
const fetched = await fetch(withPicture.mediaAttachments[0].url);
assert.equal(fetched.headers.get("content-type"), "image/jpeg");
assert.ok(!Buffer.from(await fetched.arrayBuffer()).includes("PhoneMaker"), "no camera in the file");
await masto.v1.statuses.$select(withPicture.id).remove();

step("paging through the home timeline");
const pages = [];
for await (const page of masto.v1.timelines.home.list({ limit: 2 })) {
  pages.push(page);
  if (pages.length === 2) break;
}
assert.equal(pages[0].length, 2);
assert.equal(pages[1].length, 1);
assert.equal(pages[0][0].id, everyone.id);
const anonymous = await open.v1.timelines.public.list({ local: true });
assert.deepEqual(anonymous.map((s) => s.id), [everyone.id]);

step("streaming: a new post arrives live");
const streaming = createStreamingAPIClient({
  streamingApiUrl: instance.configuration.urls.streaming,
  accessToken: token.accessToken,
  retry: false,
  log: process.env.MASTO_LOG ?? "warn",
});
const userStream = streaming.user.subscribe();
const events = userStream[Symbol.asyncIterator]();
// masto.js connects and subscribes only when the first event is asked for, and a post made
// before its subscription reaches the server is (rightly) not streamed: post until one arrives.
const pending = events.next();
let update;
const posted = [];
for (let attempt = 0; attempt < 5 && !update; attempt++) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  posted.push((await masto.v1.statuses.create({ status: `Live ${attempt}, from masto.js`, visibility: "public" })).id);
  update = await Promise.race([pending.then((r) => r.value), new Promise((resolve) => setTimeout(resolve, 2000))]);
}
assert.ok(update, "an update event arrived");
assert.equal(update.event, "update");
assert.ok(posted.includes(update.payload.id), `the event is one of our posts: ${update.payload.id}`);
assert.equal(update.stream[0], "user");
userStream.unsubscribe();
streaming.close();

step("favourite and delete");
const fav = await masto.v1.statuses.$select(everyone.id).favourite();
assert.equal(fav.favourited, true);
await masto.v1.statuses.$select(everyone.id).remove();
await assert.rejects(masto.v1.statuses.$select(everyone.id).fetch(), (e) => e.statusCode === 404);

step("bad input");
const stranger = createRestAPIClient({ url: base, accessToken: "not-a-token" });
await assert.rejects(stranger.v1.accounts.verifyCredentials(), (e) => e.statusCode === 401);
await assert.rejects(
  masto.v1.statuses.create({ status: "x", visibility: "everyone" }),
  (e) => e.statusCode === 422,
);

step("revoking the token");
await oauth.revoke({ clientId: app.clientId, clientSecret: app.clientSecret, token: token.accessToken });
await assert.rejects(masto.v1.accounts.verifyCredentials(), (e) => e.statusCode === 401);
step("all done");
