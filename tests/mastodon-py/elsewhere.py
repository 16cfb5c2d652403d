"""Mastodon.py reaches someone on another server through a camp, as a phone app does.

Run by crates/http/tests/suite/mastodon_py.rs with PORCHLIGHT_BASE, PORCHLIGHT_USER and
PORCHLIGHT_PASSWORD (the member's camp), PORCHLIGHT_ELSEWHERE (`name@server` of someone on
another camp) and PORCHLIGHT_ELSEWHERE_POST (the address of one of their posts). It finds them
with a resolving search, follows them and waits for their camp to accept, reads their posts,
opens the post by its address, favourites it, and unfollows. Exits non-zero on the first failure.
"""

import os
import time


from flow import app_token, run, step

HANDLE = os.environ["PORCHLIGHT_ELSEWHERE"]
POST = os.environ["PORCHLIGHT_ELSEWHERE_POST"]


def main():
    step("an app token for the member")
    api = app_token()

    step(f"finding @{HANDLE} with a resolving search")
    found = api.search_v2(f"@{HANDLE}", resolve=True)
    assert len(found.accounts) == 1, found
    them = found.accounts[0]
    assert them.acct == HANDLE, them
    assert api.account_lookup(HANDLE).id == them.id

    step("following them until their camp accepts")
    relationship = api.account_follow(them.id)
    assert relationship.following or relationship.requested, relationship
    for _ in range(200):
        if api.account_relationships([them.id])[0].following:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("their camp never accepted the follow")

    step("reading their posts and opening one by its address")
    posts = api.account_statuses(them.id)
    assert any(p.uri == POST for p in posts), [p.uri for p in posts]
    by_address = api.search_v2(POST, resolve=True, result_type="statuses").statuses
    assert len(by_address) == 1 and by_address[0].uri == POST, by_address
    status = by_address[0]
    assert status.account.acct == HANDLE, status.account
    liked = api.status_favourite(status.id)
    assert liked.favourited and liked.favourites_count == 1, liked

    step("unfollowing")
    relationship = api.account_unfollow(them.id)
    assert not relationship.following and not relationship.requested, relationship
    step("all done")


if __name__ == "__main__":
    run(main)
