"""Mastodon.py, a client library nobody here wrote, drives a real Porchlight camp.

Run by crates/http/tests/suite/mastodon_py.rs with PORCHLIGHT_BASE, PORCHLIGHT_USER and
PORCHLIGHT_PASSWORD set. It registers an app, logs the member in through the web page and
approves the app on the consent page (PKCE S256 and, separately, Mastodon.py's own code
exchange), then posts with each audience, reads timelines page by page, favourites, deletes,
and checks the errors Mastodon.py raises for a bad token. Exits non-zero on the first failure.
"""

import base64
import hashlib
import os
import re
import secrets
import sys
from urllib.parse import parse_qs, urlparse

import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError

BASE = os.environ["PORCHLIGHT_BASE"]
USER = os.environ["PORCHLIGHT_USER"]
PASSWORD = os.environ["PORCHLIGHT_PASSWORD"]
REDIRECT = "http://127.0.0.1:9/callback"
SCOPES = ["read", "write", "follow", "profile"]


def step(text):
    print(f"mastodon.py: {text}", flush=True)


def csrf_of(html):
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "a form token on the page"
    return found.group(1)


def hidden_fields(html):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def browser_login(user=None):
    """A member's browser (`user`, or the one the script runs as): logged in through the web
    page, as a person would."""
    session = requests.Session()
    page = session.get(f"{BASE}/login")
    answer = session.post(
        f"{BASE}/login",
        data={"username": user or USER, "password": PASSWORD, "csrf": csrf_of(page.text)},
        allow_redirects=False,
    )
    assert answer.status_code == 303, f"login: {answer.status_code}"
    return session


def approve(session, url):
    """Opens the consent page at `url`, approves, and returns the code from the redirect."""
    page = session.get(url)
    assert page.status_code == 200, f"consent page: {page.status_code} {page.text[:300]}"
    assert "Mastodon.py test" in page.text, "the consent page names the app"
    fields = hidden_fields(page.text)
    fields["decision"] = "approve"
    answer = session.post(f"{BASE}/oauth/authorize", data=fields, allow_redirects=False)
    assert answer.status_code == 303, f"approve: {answer.status_code} {answer.text[:300]}"
    location = answer.headers["location"]
    assert location.startswith(REDIRECT), location
    query = parse_qs(urlparse(location).query)
    assert query["state"] == ["s1"], query
    return query["code"][0]


def app_token(user=None, scopes=None):
    """A Mastodon.py client for `user` (or the one the script runs as), authorized through the
    consent page as a phone app is, with `scopes` (the flow's own by default)."""
    scopes = scopes or SCOPES
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py test", scopes=scopes, redirect_uris=REDIRECT, api_base_url=BASE
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
    url = app.auth_request_url(redirect_uris=REDIRECT, scopes=scopes, state="s1", allow_http=True)
    code = approve(browser_login(user), url)
    token = app.log_in(code=code, redirect_uri=REDIRECT, scopes=scopes, allow_http=True)
    return Mastodon(access_token=token, api_base_url=BASE)


def main():
    step("registering an app")
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py test", scopes=SCOPES, redirect_uris=REDIRECT, api_base_url=BASE
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
    info = app.oauth_authorization_server_info()
    assert "S256" in info["code_challenge_methods_supported"], info

    step("authorizing with PKCE S256 through the consent page")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = app.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s1", allow_http=True)
    url += f"&code_challenge={challenge}&code_challenge_method=S256"
    session = browser_login()
    code = approve(session, url)
    # Mastodon.py has no PKCE of its own: the exchange with the verifier is made by hand.
    token = requests.post(
        f"{BASE}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "scope": " ".join(SCOPES),
        },
    ).json()
    assert token.get("token_type") == "Bearer", token
    api = Mastodon(access_token=token["access_token"], api_base_url=BASE)

    step("authorizing again with Mastodon.py's own code exchange")
    plain_url = app.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s1", allow_http=True)
    second = approve(session, plain_url)
    own = app.log_in(code=second, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    assert own and own != token["access_token"]

    step("reading who we are and the instance")
    me = api.account_verify_credentials()
    assert me.username == USER, me
    assert me.acct == USER
    instance = api.instance()
    assert "Porchlight" in instance.version, instance.version
    # (Mastodon.py's oauth_userinfo insists on https; the test camp is plain http on loopback.)
    userinfo = requests.get(f"{BASE}/oauth/userinfo",
                            headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert userinfo["preferred_username"] == USER, userinfo

    step("posting with each audience")
    camp = api.status_post("Hello from Mastodon.py, for the camp")
    assert camp.visibility == "private" and camp["local_only"] is True, camp
    public = api.status_post("Hello, world", visibility="public", idempotency_key="once")
    again = api.status_post("Hello, world", visibility="public", idempotency_key="once")
    assert public.id == again.id, "an Idempotency-Key makes one post"
    assert public.visibility == "public" and public["local_only"] is False
    # The app's lock ("private") is the member's narrow audience: the camp, by default.
    locked = api.status_post("By the lock", visibility="private")
    assert locked.visibility == "private" and locked["local_only"] is True, locked
    assert api.me().source.privacy == "private"
    # The member's default, changed from the app, is what a post without a choice gets.
    assert api.account_update_credentials(default_privacy="public").source.privacy == "public"
    wide = api.status_post("Public by my own default")
    assert wide.visibility == "public" and wide["local_only"] is False, wide
    still_locked = api.status_post("Still by the lock", visibility="private")
    assert still_locked["local_only"] is True, still_locked
    assert api.account_update_credentials(default_privacy="private").source.privacy == "private"
    assert api.status_post("Back in the camp")["local_only"] is True
    direct = api.status_post("Only for @mo", visibility="direct")
    assert direct.visibility == "direct"
    conversations = api.conversations()
    assert [c.last_status.id for c in conversations] == [direct.id], conversations
    assert [a.acct for a in conversations[0].accounts] == ["mo"]
    reply = api.status_post("A reply", in_reply_to_id=public.id, visibility="public")
    assert str(reply.in_reply_to_id) == str(public.id)

    step("uploading a picture and posting it")
    media = api.media_post(os.environ["PORCHLIGHT_PICTURE"], mime_type="image/jpeg",
                           description="A porch light at dusk", focus=(0.5, -0.25))
    assert media.type == "image" and media.url, media
    assert media.meta.focus.x == 0.5 and media.meta.focus.y == -0.25, media.meta
    media = api.media_update(media, description="Our porch light at dusk")
    with_picture = api.status_post("Look at this", media_ids=[media], visibility="public")
    attached = with_picture.media_attachments
    assert [str(m.id) for m in attached] == [str(media.id)], attached
    assert attached[0].description == "Our porch light at dusk", attached
    picture = requests.get(attached[0].url)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in picture.content and b"Lake Street" not in picture.content
    try:
        api.media_post(__file__, mime_type="image/png")
        raise AssertionError("a file that is not a picture is refused")
    except MastodonAPIError as e:
        assert "not a picture" in str(e), e

    step("a list of people we follow, with its timeline")
    mo = api.account_lookup("mo")
    api.account_follow(mo)
    book_club = api.list_create("Book club")
    api.list_accounts_add(book_club, [mo])
    assert [a.id for a in api.list_accounts(book_club)] == [mo.id]
    assert [l.title for l in api.account_lists(mo)] == ["Book club"]
    assert api.timeline_list(book_club) == [], "mo has not posted"
    api.list_update(book_club, "Book club 2026")
    assert api.list(book_club).title == "Book club 2026"
    api.list_delete(book_club)
    assert api.lists() == []

    step("reading timelines page by page")
    home = api.timeline_home(limit=2)
    assert len(home) == 2, home
    older = api.fetch_next(home)
    assert older and len(older) == 2, older
    assert older[0].id != home[0].id
    local = api.timeline_local()
    assert any(s.id == camp.id for s in local), "members see camp posts on the local timeline"
    anonymous = Mastodon(api_base_url=BASE)
    seen = [s.id for s in anonymous.timeline_local()]
    assert public.id in seen and camp.id not in seen, seen

    step("favourite, bookmark, delete")
    fav = api.status_favourite(public)
    assert fav.favourited and fav.favourites_count == 1
    assert api.status_bookmark(public).bookmarked
    assert [s.id for s in api.bookmarks()] == [public.id]
    gone = api.status_delete(reply)
    assert gone["text"] == "A reply", gone
    try:
        api.status(reply.id)
        raise AssertionError("a deleted status is gone")
    except MastodonNotFoundError:
        pass

    step("bad input")
    try:
        Mastodon(access_token="not-a-token", api_base_url=BASE).account_verify_credentials()
        raise AssertionError("a made-up token is refused")
    except MastodonUnauthorizedError:
        pass
    try:
        api.status_post("   ")
        raise AssertionError("a blank status is refused")
    except MastodonAPIError as e:
        assert "can't be blank" in str(e), e

    step("revoking the token")
    api_app = Mastodon(client_id=client_id, client_secret=client_secret,
                       access_token=own, api_base_url=BASE)
    api_app.revoke_access_token(allow_http=True)
    try:
        Mastodon(access_token=own, api_base_url=BASE).account_verify_credentials()
        raise AssertionError("a revoked token is refused")
    except MastodonUnauthorizedError:
        pass
    step("all done")


def run(main):
    """Runs a script's `main`, saying which check failed."""
    try:
        main()
    except AssertionError as e:
        print(f"mastodon.py: FAILED: {e}", file=sys.stderr)
        raise


if __name__ == "__main__":
    run(main)
