"""Camp life through Mastodon.py: a member gives themselves an avatar and header from the app,
posts a phone photo and gets back its small copy, sizes and blurhash, and reads, reacts to and
dismisses the host's announcement.

Run by crates/http/tests/suite/mastodon_py.rs with PORCHLIGHT_USER (the member) and
PORCHLIGHT_PHOTO (a 3000 x 2000 JPEG) set, after the host announced something.
"""

import os

import requests

from flow import BASE, app_token, run, step

PHOTO = os.environ["PORCHLIGHT_PHOTO"]
SCOPES = ["read", "write"]


def main():
    api = app_token(None, SCOPES)
    with open(PHOTO, "rb") as f:
        photo = f.read()

    step("the avatar drawn from the name, before choosing one")
    me = api.account_verify_credentials()
    assert me.avatar == f"{BASE}/avatars/{me.username}.png", me.avatar
    drawn = requests.get(me.avatar)
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/png"

    step("choosing an avatar and a header from the app")
    me = api.account_update_credentials(
        avatar=photo, avatar_mime_type="image/jpeg", header=photo, header_mime_type="image/jpeg"
    )
    assert me.avatar.startswith(f"{BASE}/files/"), me.avatar
    assert me.header.startswith(f"{BASE}/files/"), me.header
    assert me.avatar != me.header
    for url in (me.avatar, me.header):
        got = requests.get(url)
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg", url
    assert api.account_verify_credentials().avatar == me.avatar

    step("a phone photo: the small copy, its sizes and a blurhash")
    media = api.media_post(photo, mime_type="image/jpeg", description="The valley from the ridge")
    assert media.type == "image", media
    assert media.preview_url != media.url, media
    assert media.meta.original.width == 3000 and media.meta.original.height == 2000, media.meta
    assert media.meta.small.width == 640 and media.meta.small.height == 427, media.meta
    assert isinstance(media.blurhash, str) and len(media.blurhash) == 28, media.blurhash
    status = api.status_post("From the ridge", media_ids=[media], visibility="private")
    shown = status.media_attachments[0]
    assert shown.preview_url == media.preview_url and shown.blurhash == media.blurhash, shown
    small = requests.get(shown.preview_url)
    assert small.status_code == 200 and len(small.content) < len(photo), len(small.content)

    step("the host's announcement: read, reacted to, dismissed")
    announcements = api.announcements()
    assert len(announcements) == 1, announcements
    notice = announcements[0]
    assert "The well is fixed" in notice.content, notice.content
    assert not notice.read, notice
    api.announcement_reaction_create(notice, "👍")
    notice = api.announcements()[0]
    assert [(r.name, r.count, r.me) for r in notice.reactions] == [("👍", 1, True)], notice.reactions
    api.announcement_dismiss(notice)
    assert api.announcements()[0].read

    step("all done")


if __name__ == "__main__":
    run(main)
