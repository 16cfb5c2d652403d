// An independent ActivityPub server for Porchlight's federation tests, built on Fedify.
//
// It listens on 127.0.0.1 (a port the system picks), prints `LISTENING <port>` once ready, and
// has one actor, `fedi` (a Person with an RSA key made at startup). It accepts follows, records
// every activity its inbox listeners are handed, and is driven by a test through plain JSON
// endpoints under /control/:
//
//   POST /control/follow {"handle": "ana@127.0.0.1:8080"}  fedi follows that account
//   POST /control/post {"text": "..."}                     fedi posts publicly to its followers
//   POST /control/poll {"text": "...", "options": [...], "seconds": n}
//                                                          fedi posts a one-choice poll (Question)
//   POST /control/alias {"uri": "https://..."}             fedi names that account as its own
//                                                          (alsoKnownAs), before a move here
//   POST /control/move {"target": "https://..."}           fedi moves there: Move to its followers
//   GET  /control/received                                 activities the inbox listeners got
//   GET  /control/followers                                fedi's followers (actor ids)
//   GET  /control/requests                                 inbox POSTs (with bodies), POSTs made
//                                                          from here, errors
//
// Fedify calls an inbox listener only after the activity's signature verified (HTTP Signatures,
// or a Linked Data signature / integrity proof), so everything in /control/received did; inbox
// POSTs it refused show up in /control/requests with their status (401 for a bad signature).
// The process exits when its standard input closes, so it never outlives the test that ran it.

import http from "node:http";
import { Temporal } from "@js-temporal/polyfill";
import {
  Accept,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  Like,
  MemoryKvStore,
  Move,
  Note,
  PUBLIC_COLLECTION,
  Person,
  Question,
  Collection,
  Undo,
  Update,
  createFederation,
  generateCryptoKeyPair,
  isActor,
} from "@fedify/fedify";

const ACTOR = "fedi";

const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
/** actor id → the follower as a recipient (id, inbox, shared inbox) */
const followers = new Map();
/** the accounts fedi names as its own (alsoKnownAs), and where it moved (movedTo) */
const aliases = [];
let successor = null;
/** note path id → Note, and fedi's Create activities, oldest first */
const notes = new Map();
const outbox = [];
/** what the inbox listeners were handed */
const received = [];
/** every POST to an inbox here, every signed POST made from here, and errors */
const inboxRequests = [];
const sent = [];
const errors = [];

function log(...parts) {
  console.error("fedify-peer:", ...parts);
}

function noteError(where, error) {
  const text = `${where}: ${error?.stack ?? error}`;
  errors.push(text);
  log(text);
}

/** Which HTTP signature scheme a request carries. */
function signatureScheme(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage";
  return "unsigned";
}

// Fedify makes its requests with the global fetch; note every POST it makes (deliveries) with
// the signature scheme it chose and the answer it got. With a first attempt refused, Fedify
// tries the other scheme ("double knocking"), which shows up here as two entries.
const plainFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await plainFetch(input, init);
  if (input instanceof Request && input.method === "POST") {
    const entry = {
      url: input.url,
      scheme: signatureScheme(input.headers),
      status: response.status,
    };
    sent.push(entry);
    log("sent", JSON.stringify(entry));
  }
  return response;
};

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    noteError(`${req.method} ${req.url}`, error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("internal error");
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Loopback only: the camps under test live on 127.0.0.1.
  allowPrivateAddress: true,
  onOutboxError: (error) => noteError("delivery", error),
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedi",
      summary: "A Fedify test peer.",
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
      aliases: aliases.map((uri) => new URL(uri)),
      successor: successor == null ? null : new URL(successor),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === ACTOR ? [keyPair] : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) =>
  identifier === ACTOR ? { items: [...followers.values()] } : null,
);

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) =>
  identifier === ACTOR ? { items: [...outbox].reverse() } : null,
);

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (_ctx, values) =>
  values.identifier === ACTOR ? (notes.get(values.id) ?? null) : null,
);

/** Records an activity as the listener got it (its JSON, so nothing is fetched). */
async function record(ctx, activity) {
  const json = await activity.toJsonLd({ contextLoader: ctx.contextLoader });
  const object = typeof json.object === "object" && json.object !== null ? json.object : null;
  const entry = {
    type: json.type,
    id: json.id ?? null,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    objectType: object?.type ?? null,
    content: object?.content ?? null,
    // A vote (a Note named by its option, answering a Question) and a poll's options.
    name: object?.name ?? null,
    inReplyTo: object?.inReplyTo ?? null,
    // Where a Move goes.
    target: activity.targetId?.href ?? null,
    options: (object?.oneOf ?? object?.anyOf ?? null),
    // Listeners only ever see activities whose signature Fedify verified.
    verified: true,
    inbox: ctx.recipient ?? "shared",
  };
  received.push(entry);
  log("received", JSON.stringify(entry));
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    if (follow.objectId?.href !== ctx.getActorUri(ACTOR).href) return;
    const follower = await follow.getActor(ctx);
    if (!isActor(follower) || follower.id == null || follower.inboxId == null) {
      noteError("follow", new Error(`no usable actor behind ${follow.actorId?.href}`));
      return;
    }
    followers.set(follower.id.href, {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: follower.endpoints,
    });
    const me = ctx.getActorUri(ACTOR);
    await ctx.sendActivity(
      { identifier: ACTOR },
      follower,
      new Accept({
        id: new URL(`#accepts/${crypto.randomUUID()}`, me),
        actor: me,
        object: follow,
      }),
    );
  })
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const object = await undo.getObject(ctx).catch(() => null);
    if (object instanceof Follow && undo.actorId != null) followers.delete(undo.actorId.href);
  })
  .on(Create, record)
  .on(Update, record)
  .on(Delete, record)
  .on(Announce, record)
  .on(Like, record)
  .on(Accept, record)
  .on(Move, record)
  .onError((_ctx, error) => noteError("inbox", error));

function escapeHtml(text) {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

/** Finds an account by handle: WebFinger over http (loopback peers have no TLS), then Fedify. */
async function lookUp(ctx, handle) {
  const [user, host] = handle.replace(/^@/, "").split("@");
  const finger = new URL(`http://${host}/.well-known/webfinger`);
  finger.searchParams.set("resource", `acct:${user}@${host}`);
  const response = await fetch(finger, { headers: { accept: "application/jrd+json" } });
  if (!response.ok) throw new Error(`WebFinger for ${handle} answered ${response.status}`);
  const jrd = await response.json();
  const self = jrd.links?.find((l) => l.rel === "self" && l.href);
  if (self == null) throw new Error(`WebFinger for ${handle} has no self link`);
  const actor = await ctx.lookupObject(self.href);
  if (!isActor(actor)) throw new Error(`${self.href} is not an actor`);
  return actor;
}

async function control(method, path, body) {
  const ctx = federation.createContext(new URL(origin), undefined);
  const me = ctx.getActorUri(ACTOR);
  const input = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
  if (method === "POST" && path === "/control/follow") {
    const actor = await lookUp(ctx, input.handle);
    const follow = new Follow({
      id: new URL(`#follows/${crypto.randomUUID()}`, me),
      actor: me,
      object: actor.id,
    });
    await ctx.sendActivity({ identifier: ACTOR }, actor, follow);
    return [200, { actor: actor.id.href, follow: follow.id.href }];
  }
  if (method === "POST" && path === "/control/post") {
    const id = crypto.randomUUID();
    const published = Temporal.Now.instant();
    const audience = { to: PUBLIC_COLLECTION, cc: ctx.getFollowersUri(ACTOR) };
    const note = new Note({
      id: ctx.getObjectUri(Note, { identifier: ACTOR, id }),
      attribution: me,
      content: `<p>${escapeHtml(String(input.text))}</p>`,
      published,
      ...audience,
    });
    const create = new Create({
      id: new URL(`${note.id.href}#create`),
      actor: me,
      object: note,
      published,
      ...audience,
    });
    notes.set(id, note);
    outbox.push(create);
    await ctx.sendActivity({ identifier: ACTOR }, "followers", create, {
      preferSharedInbox: true,
    });
    return [200, { id: note.id.href }];
  }
  if (method === "POST" && path === "/control/poll") {
    const id = crypto.randomUUID();
    const published = Temporal.Now.instant();
    const audience = { to: PUBLIC_COLLECTION, cc: ctx.getFollowersUri(ACTOR) };
    const question = new Question({
      id: new URL(`/users/${ACTOR}/polls/${id}`, origin),
      attribution: me,
      content: `<p>${escapeHtml(String(input.text))}</p>`,
      published,
      endTime: published.add({ seconds: Number(input.seconds ?? 3600) }),
      voters: 0,
      exclusiveOptions: input.options.map(
        (name) => new Note({ name: String(name), replies: new Collection({ totalItems: 0 }) }),
      ),
      ...audience,
    });
    const create = new Create({
      id: new URL(`${question.id.href}#create`),
      actor: me,
      object: question,
      published,
      ...audience,
    });
    outbox.push(create);
    await ctx.sendActivity({ identifier: ACTOR }, "followers", create, {
      preferSharedInbox: true,
    });
    return [200, { id: question.id.href }];
  }
  if (method === "POST" && path === "/control/alias") {
    aliases.push(String(input.uri));
    return [200, { aliases }];
  }
  if (method === "POST" && path === "/control/move") {
    // As Mastodon does: the old account says where it went, then tells its followers.
    successor = String(input.target);
    const move = new Move({
      id: new URL(`#moves/${crypto.randomUUID()}`, me),
      actor: me,
      object: me,
      target: new URL(String(input.target)),
      to: ctx.getFollowersUri(ACTOR),
    });
    await ctx.sendActivity({ identifier: ACTOR }, "followers", move, { preferSharedInbox: true });
    return [200, { id: move.id.href }];
  }
  if (method === "GET" && path === "/control/received") return [200, received];
  if (method === "GET" && path === "/control/followers") {
    return [200, [...followers.keys()]];
  }
  if (method === "GET" && path === "/control/requests") {
    return [200, { inbox: inboxRequests, sent, errors }];
  }
  return [404, { error: `no control endpoint ${method} ${path}` }];
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handle(req, res) {
  const body = await readBody(req);
  const url = new URL(req.url, origin);
  if (url.pathname.startsWith("/control/")) {
    let status, answer;
    try {
      [status, answer] = await control(req.method, url.pathname, body);
    } catch (error) {
      noteError(`${req.method} ${url.pathname}`, error);
      [status, answer] = [500, { error: String(error?.stack ?? error) }];
    }
    const json = Buffer.from(JSON.stringify(answer));
    res.writeHead(status, { "content-type": "application/json", "content-length": json.length });
    res.end(json);
    return;
  }
  // Everything else is Fedify's: hand it the request as a fetch Request, headers as sent
  // (Host included, since signatures cover it).
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? body : undefined,
  });
  const response = await federation.fetch(request, { contextData: undefined });
  if (req.method === "POST" && url.pathname.endsWith("/inbox")) {
    const entry = {
      path: url.pathname,
      scheme: signatureScheme(headers),
      status: response.status,
    };
    if (response.status >= 300) entry.answer = await response.clone().text();
    log("inbox", JSON.stringify(entry));
    inboxRequests.push({ ...entry, body: body.toString("utf8") });
  }
  const payload = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(payload);
}

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
console.log(`LISTENING ${server.address().port}`);
