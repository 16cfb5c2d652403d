"""An independent ActivityPub server for crates/http/tests/suite/bovine_peer.rs: bovine-herd
(PyPI) served by hypercorn on a free loopback port, with one user, bob, whom the test drives.

The test writes one command a line on standard input and reads one JSON line back:
  follow URL    bob follows the actor at URL (bovine signs and delivers the Follow)
  accept        bob accepts every Follow in his inbox (bovine-herd does not accept by itself)
  post TEXT     bob posts TEXT publicly, to his followers too; answers the note's id
  inbox         what arrived in bob's inbox as bovine stored it, notes filled in
  following     whom bob follows;  followers  who follows bob
The first line written is {"base": ..., "actor": ...}. The server stops when stdin closes."""
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from bovine import BovineClient
from bovine_store import bovine_admin_store
from bovine_store.models import BovineActorKeyPair

AS = "https://www.w3.org/ns/activitystreams"
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir, db_url, port):
    # BUTCHER_ALLOW_HTTP: bovine asks WebFinger over plain http when https fails (loopback).
    env = dict(os.environ, BOVINE_DB_URL=db_url, BUTCHER_ALLOW_HTTP="1", PYTHONPATH=HERE)
    log = open(os.path.join(workdir, "server.log"), "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "hypercorn", "app:app", "--bind", f"127.0.0.1:{port}"],
        cwd=workdir,  # bovine keeps a JSON-LD cache in its working directory
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/nodeinfo", timeout=1)
            return server
        except Exception:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    raise SystemExit("bovine-herd did not start:\n" + open(log.name).read())


async def create_user(db_url, base, handle):
    async with bovine_admin_store(db_url, domain=base) as store:
        name = await store.register(handle)
        actor = (await store.actor_for_name(name)).actor_object.build()
        pair = await BovineActorKeyPair.get(bovine_actor__bovine_name=name, name="serverKey")
        return actor, pair.private_key


def stored(db, object_id):
    row = sqlite3.connect(db).execute(
        "SELECT content FROM storedjsonobject WHERE id = ?", (object_id,)
    ).fetchone()
    return json.loads(row[0]) if row else None


def inbox_items(db, inbox):
    rows = sqlite3.connect(db).execute(
        "SELECT s.content FROM collectionitem c JOIN storedjsonobject s ON s.id = c.object_id "
        "WHERE c.part_of = ? ORDER BY c.id",
        (inbox,),
    ).fetchall()
    items = []
    for (content,) in rows:
        item = json.loads(content)
        if item.get("type") == "Create" and isinstance(item.get("object"), str):
            item["object"] = stored(db, item["object"]) or item["object"]
        items.append(item)
    return items


async def collection(bob, name):
    found = await bob.get(bob.information[name])
    items = found.get("orderedItems", found.get("items", []))
    return items if isinstance(items, list) else [items]


async def main():
    workdir = tempfile.mkdtemp(prefix="bovine-peer-")
    os.chdir(workdir)  # bovine's client keeps a JSON-LD cache in the working directory too
    db = os.path.join(workdir, "peer.sqlite3")
    db_url = f"sqlite://{db}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(workdir, db_url, port)
    try:
        actor, key = await create_user(db_url, base, "bob")
        async with BovineClient(
            actor_id=actor["id"], public_key_url=actor["publicKey"]["id"], secret=key
        ) as bob:
            print(json.dumps({"base": base, "actor": actor["id"], "log": workdir}), flush=True)
            accepted = set()
            loop = asyncio.get_running_loop()
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    break
                command, _, arg = line.strip().partition(" ")
                if command == "follow":
                    sent = await bob.send_to_outbox(
                        {"@context": AS, "type": "Follow", "actor": actor["id"], "object": arg, "to": [arg]}
                    )
                    answer = {"status": sent.status}
                elif command == "accept":
                    done = []
                    for item in inbox_items(db, actor["inbox"]):
                        if item.get("type") == "Follow" and item.get("id") not in accepted:
                            accepted.add(item.get("id"))
                            sent = await bob.send_to_outbox(
                                {"@context": AS, "type": "Accept", "actor": actor["id"], "object": item, "to": [item["actor"]]}
                            )
                            done.append({"follower": item["actor"], "status": sent.status})
                    answer = {"accepted": done}
                elif command == "post":
                    followers = bob.information["followers"]
                    sent = await bob.send_to_outbox(
                        {
                            "@context": AS,
                            "type": "Create",
                            "actor": actor["id"],
                            "to": [AS + "#Public"],
                            "cc": [followers],
                            "object": {
                                "type": "Note",
                                "attributedTo": actor["id"],
                                "content": arg,
                                "to": [AS + "#Public"],
                                "cc": [followers],
                            },
                        }
                    )
                    activity = stored(db, sent.headers.get("location")) or {}
                    answer = {"status": sent.status, "activity": sent.headers.get("location"), "id": activity.get("object")}
                elif command == "inbox":
                    answer = inbox_items(db, actor["inbox"])
                elif command in ("following", "followers"):
                    answer = await collection(bob, command)
                else:
                    answer = {"error": f"unknown command {command!r}"}
                print(json.dumps(answer), flush=True)
    finally:
        server.terminate()
        server.wait()


asyncio.run(main())
