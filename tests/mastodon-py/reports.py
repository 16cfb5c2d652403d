"""Reports through Mastodon.py: a member reports a post by a rule of the code of conduct, and
sees none of the admin API even with a token that asks for its scopes; the host's moderation
app reads the queue, warns the member and resolves the report.

Run by crates/http/tests/suite/mastodon_py.rs with PORCHLIGHT_USER (the member),
PORCHLIGHT_HOST_USER and PORCHLIGHT_REPORTED (the author of the reported post) set.
"""

import os

from mastodon import MastodonAPIError

from flow import app_token, run, step

HOST_USER = os.environ["PORCHLIGHT_HOST_USER"]
REPORTED = os.environ["PORCHLIGHT_REPORTED"]
SCOPES = ["read", "write", "admin:read", "admin:write"]


def main():
    member = app_token(None, SCOPES)

    step("reading the rules the report names")
    rules = member.instance().rules
    assert [r.text for r in rules] == ["Be kind", "No ads"], rules

    step("reporting a post by rule 2")
    them = member.account_lookup(REPORTED)
    post = member.account_statuses(them.id)[0]
    report = member.report(
        them.id, status_ids=[post.id], comment="an ad again", category="violation", rule_ids=[rules[1].id]
    )
    assert report.category == "violation", report
    assert [str(r) for r in report.rule_ids] == ["2"], report
    assert [str(s) for s in report.status_ids] == [str(post.id)], report
    assert report.comment == "an ad again" and not report.action_taken, report
    assert report.target_account.acct == REPORTED, report.target_account

    step("a member sees no admin API, whatever the token asks for")
    for call in (member.admin_reports, member.admin_accounts_v1):
        try:
            call()
        except MastodonAPIError as e:
            assert "403" in str(e) or getattr(e, "args", [None, 0])[1] == 403, e
        else:
            raise AssertionError(f"{call.__name__} answered a member")
    assert not [n for n in member.notifications() if n.type == "admin.report"]

    step("the host's moderation app: the queue, a warning, resolved")
    host = app_token(HOST_USER, SCOPES)
    queue = host.admin_reports()
    assert len(queue) == 1, queue
    found = queue[0]
    assert str(found.id) == str(report.id), found
    assert found.target_account.username == REPORTED, found.target_account
    assert found.rules[0].text == "No ads", found.rules
    assert any(n.type == "admin.report" for n in host.notifications())
    host.admin_account_moderate(them.id, action="none", text="Please, no ads.")
    resolved = host.admin_report_resolve(found.id)
    assert resolved.action_taken, resolved
    assert host.admin_reports() == [], "the queue is empty"
    # Mastodon.py types this list as one account, so its items come back as plain dicts.
    staff = {a["username"]: a for a in host.admin_accounts_v1()}
    assert staff[HOST_USER]["role"]["name"] == "host", staff[HOST_USER]
    assert staff[REPORTED]["suspended"] is False, staff[REPORTED]
    step("all done")


if __name__ == "__main__":
    run(main)
