"""fediverse-pasture (PyPI) against a camp, for crates/http/tests/suite/pasture.rs.

It serves the suite's two servers on free loopback ports: its sending actor ("one actor", with the
pictures the inputs attach) and its verify-actor server (six actors with different keys), then
prints one JSON line: {"actor_base": ..., "verify_base": ...}. The test allows both addresses on
its camp and answers with one JSON line: {"camp": "host:port", "token": ..., "actor": ..., "out":
PATH}. The driver then

  - runs verify-actor: each of the suite's actors fetches the camp member's actor and posts to
    her inbox, signed its own way;
  - sends each of fediverse-pasture-inputs' examples, one at a time, as a public Create to the
    camp's member, and looks for it in the camp's /api/v1/timelines/public through the suite's
    Mastodon adapter, as the suite does for Mastodon;

and writes to PATH, as JSON, every input with what was sent, the status the camp's API answered
(or null) and the cells of the suite's own table for Mastodon. It prints "pasture: done".

What changes from run to run is written as one fixed value, so that two runs can be compared: the
loopback addresses (`http://pasture-one-actor`, `http://camp.example`), numeric ids, times, and
the media proxy's keyed paths, and the random names of the suite's pictures.

The inputs name their sender `http://pasture-one-actor`; that name does not resolve here, so it is
replaced by the one actor's loopback address before an example is sent."""

import asyncio
import json
import logging
import os
import re
import socket
import sys

import aiohttp
import uvicorn

from fediverse_pasture.data_provider import DataProvider
from fediverse_pasture.one_actor import bovine_actor_and_actor_object
from fediverse_pasture.runner import ActivityRunner, ActivitySender
from fediverse_pasture.runner.application.mastodon import MastodonApplication
from fediverse_pasture.runner.entry import Entry
from fediverse_pasture.server import assets_blueprint_for_directory
from fediverse_pasture.server.image_provider_blueprint import image_provider_blueprint
from fediverse_pasture.server.one_actor_app import app_for_data_provider
from fediverse_pasture.server.verify_actor import ActorVerifier
from fediverse_pasture.types import Message
from fediverse_pasture_inputs import available
from fediverse_pasture.version import __version__ as pasture_version
from fediverse_pasture_inputs.version import __version__ as inputs_version

SENDER_NAME = "http://pasture-one-actor"


def bound_socket():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


async def serve(app, sock):
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    await server.serve(sockets=[sock])


def write_assets(actor_base):
    """The notes the inputs answer and quote (`/assets/note1.jsonap`, `note2`), as the suite's
    own set-up serves them: public notes by its actor."""
    os.makedirs("assets", exist_ok=True)
    for number, text in [(1, "One"), (2, "Two")]:
        note = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Note",
            "id": f"{actor_base}/assets/note{number}.jsonap",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "attributedTo": f"{actor_base}/actor",
            "content": text,
            "published": "2024-01-06T13:11:45Z",
        }
        with open(f"assets/note{number}.jsonap", "w") as fp:
            json.dump(note, fp)
    return os.path.abspath("assets")


def one_actor_app(dp, assets):
    app = app_for_data_provider(dp)
    app.register_blueprint(image_provider_blueprint, url_prefix="/images")
    app.register_blueprint(assets_blueprint_for_directory(assets))
    return app


def verify_actor_app(dp):
    from quart import Quart
    from fediverse_pasture.server import BlueprintForActors

    app = Quart("verify_actor")
    app.register_blueprint(BlueprintForActors(dp.possible_actors + [dp.one_actor]).blueprint)
    return app


async def verify_actor(dp, verify_host, actor_uri):
    message = Message()
    verifier = ActorVerifier(
        actor_list=dp.possible_actors + [dp.one_actor],
        remote_uri=actor_uri,
        message=message,
        domain=verify_host,
        timeout=10,
    )
    verifier.scheme = "http"
    result = await verifier.verify()
    return {"table": result, "messages": message.response}


def with_sender(example, actor_base):
    return json.loads(json.dumps(example).replace(SENDER_NAME, actor_base))


ID_KEYS = {"id", "in_reply_to_id", "in_reply_to_account_id", "quoted_status_id"}
TIME_KEYS = {"created_at", "edited_at", "last_status_at", "published"}
PROXIED = re.compile(r"/(media|avatars)/[0-9a-f]{16,}(/[0-9a-f]+)?(\.[a-z]+)?")


def normalize(value, actor_base, camp_base):
    """The same answer written the same way in every run."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ID_KEYS and isinstance(item, str) and re.fullmatch(r"[0-9]+(-[0-9]+)?", item):
                out[key] = re.sub(r"[0-9]+", "N", item)
            elif key in TIME_KEYS and item is not None:
                out[key] = "TIME"
            else:
                out[key] = normalize(item, actor_base, camp_base)
        return out
    if isinstance(value, list):
        return [normalize(item, actor_base, camp_base) for item in value]
    if isinstance(value, str):
        value = value.replace(actor_base, SENDER_NAME).replace(camp_base, "http://camp.example")
        value = value.replace(actor_base.removeprefix("http://"), "pasture-one-actor")
        value = value.replace(camp_base.removeprefix("http://"), "camp.example")
        value = re.sub(r"/object/[A-Za-z0-9_-]+", "/object/ID", value)
        value = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", value)
        return PROXIED.sub(r"/\1/PROXIED", value)
    return value


def fields(status):
    """What the camp says of a post beyond the suite's own cells, compared run to run too."""
    if not status:
        return None
    return {
        **{k: status.get(k) for k in ["uri", "url", "sensitive", "spoiler_text", "language",
                                       "visibility", "quote", "in_reply_to_id"]},
        "media": [m.get("type") for m in status.get("media_attachments", [])],
    }


def cells(inputs, entry):
    out = {}
    if inputs.details:
        out["sent"] = [str(c) for c in inputs.details.for_app(entry, "activity")]
        out["details"] = [str(c) for c in inputs.details.for_app(entry, "mastodon")]
        out["header"] = inputs.details.title_for_app("mastodon")
    if inputs.support:
        try:
            out["support"] = str(inputs.support.for_app(entry, "mastodon"))
        except Exception as e:  # the suite's own extractor failing on what we answered
            out["support"] = f"(the suite's extractor failed: {e!r})"
        out["support_title"] = inputs.support.title
    return out


async def run_inputs(actor_base, camp, token, actor, session):
    bovine_actor, actor_object = bovine_actor_and_actor_object(actor_base)
    await bovine_actor.init(session=session)
    sender = ActivitySender.for_actor(bovine_actor, actor_object)
    sender.sleep_after_getting_inbox = False
    mastodon = MastodonApplication(
        domain=camp, access_token=token, username="", actor_uri=actor
    ).last_activity(session, application_name="mastodon")
    # The camp takes an activity into its queue before answering, and shows the post once its
    # inbox thread has stored it: on a busy machine (the rest of the suite runs beside this) that
    # can take a few seconds. A post that is shown ends the looking at once; only the inputs kept
    # out cost the whole wait (3 s each).
    runner = ActivityRunner(sender, [mastodon], wait_time=0.2, tries=15)

    results = []
    for name in sorted(available):
        inputs = available[name]
        for index, example in enumerate(inputs.examples):
            example = with_sender(example, actor_base)
            entry = await runner.run_for_modifier(lambda x: {**x, **example})
            status = entry.get("mastodon") if entry else None
            camp_base = "http://" + camp
            row = {
                "input": name,
                "title": inputs.title,
                "index": index,
                "example": normalize(example, actor_base, camp_base),
                "activity": normalize(entry.get("activity"), actor_base, camp_base)
                if entry
                else None,
                "status": normalize(status, actor_base, camp_base),
            }
            row.update(cells(inputs, Entry({"mastodon": row["status"], "activity": row["activity"]})))
            row["fields"] = fields(row["status"])
            results.append(row)
            print(f"pasture: {name} {index + 1}: {'shown' if status else 'NOT SHOWN'}", flush=True)
    return results


async def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # The suite keeps its keys (data.toml) and bovine its JSON-LD cache in the working
    # directory: the test runs this in a temporary one.
    dp = DataProvider.generate()
    dp.save()

    actor_sock, verify_sock = bound_socket(), bound_socket()
    actor_base = "http://127.0.0.1:%d" % actor_sock.getsockname()[1]
    verify_host = "127.0.0.1:%d" % verify_sock.getsockname()[1]
    servers = [
        asyncio.create_task(serve(one_actor_app(dp, write_assets(actor_base)), actor_sock)),
        asyncio.create_task(serve(verify_actor_app(dp), verify_sock)),
    ]
    print(json.dumps({"actor_base": actor_base, "verify_base": "http://" + verify_host}), flush=True)

    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    order = json.loads(line)

    async with aiohttp.ClientSession() as session:
        verified = await verify_actor(dp, verify_host, order["actor"])
        inputs = await run_inputs(actor_base, order["camp"], order["token"], order["actor"], session)

    with open(order["out"], "w") as fp:
        json.dump(
            {
                "fediverse_pasture": pasture_version,
                "fediverse_pasture_inputs": inputs_version,
                "actor_base": actor_base,
                "verify_base": "http://" + verify_host,
                "verify_actor": verified,
                "inputs": inputs,
            },
            fp,
            indent=1,
        )
    for task in servers:
        task.cancel()
    print("pasture: done", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
