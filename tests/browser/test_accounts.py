"""Signing in and out, and joining a workspace by invitation, as a person does it."""

import re
import uuid

from django.core import mail
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from smarketing.accounts.models import User


def test_member_signs_in_and_out_through_the_forms(
    page, browser_workspace, browser_admin, sign_in, screenshot
):
    page.goto(browser_workspace.url("/"))
    # Signed out, the dashboard sends you to the login form and back after it.
    page.wait_for_url(re.compile(r"/login/\?next=/$"))
    screenshot(page, "login")

    sign_in(page, browser_admin)
    expect(page.get_by_text("ada@browser.test · Admin · Leadership")).to_be_visible()
    screenshot(page, "dashboard")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(browser_workspace.url("/login/"))
    page.goto(browser_workspace.url("/members/"))
    page.wait_for_url(re.compile(r"/login/\?next=/members/$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_wrong_password_keeps_you_on_the_login_form_with_an_error(
    page, browser_workspace, browser_admin, screenshot
):
    page.goto(browser_workspace.url("/login/"))
    page.get_by_label("Email").fill(browser_admin.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".errorlist")).to_contain_text("enter a correct")
    expect(page.get_by_label("Email")).to_have_value(browser_admin.email)
    screenshot(page, "login-error")


def test_admin_invites_a_teammate_who_joins_from_the_emailed_link(
    page, new_page, browser_workspace, browser_admin, sign_in, screenshot
):
    invitee = f"nia-{uuid.uuid4().hex[:6]}@browser.test"
    sign_in(page, browser_admin)
    page.get_by_role("link", name="Members").click()
    page.wait_for_url(browser_workspace.url("/members/"))
    page.get_by_label("Email").fill(invitee)
    page.get_by_label("Role").last.select_option("member")
    page.get_by_label("Team").last.select_option("sales")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"Invitation sent to {invitee}")
    expect(page.get_by_role("cell", name=invitee)).to_be_visible()
    screenshot(page, "members-admin")

    # The server thread shares this process, so its locmem outbox is ours.
    sent = [message for message in mail.outbox if message.to == [invitee]]
    assert len(sent) == 1
    link = re.search(r"http://\S+/invitations/\S+/", sent[0].body)
    assert link, sent[0].body
    assert link.group(0).startswith(browser_workspace.url("/invitations/"))

    newcomer = new_page()
    newcomer.goto(link.group(0))
    expect(newcomer.get_by_role("heading", name="Join Browser Co")).to_be_visible()
    screenshot(newcomer, "invitation-accept")
    newcomer.get_by_label("First name").fill("Nia")
    newcomer.get_by_label("Password").fill("a-long-pass-phrase")
    newcomer.get_by_role("button", name="Create my account").click()
    newcomer.wait_for_url(browser_workspace.url("/"))
    expect(newcomer.get_by_text(f"{invitee} · Member · Sales")).to_be_visible()
    with schema_context(browser_workspace.schema_name):
        joined = User.objects.get(email=invitee)
        assert (joined.first_name, joined.role, joined.team) == ("Nia", "member", "sales")

    # The link works once.
    newcomer.goto(link.group(0))
    expect(newcomer.get_by_role("heading", name="Join Browser Co")).to_have_count(0)


def test_viewer_sees_the_members_but_no_invite_form(
    page, browser_workspace, browser_viewer, sign_in, screenshot
):
    sign_in(page, browser_viewer)
    page.goto(browser_workspace.url("/members/"))
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    expect(page.get_by_role("cell", name="ada@browser.test")).to_be_visible()
    expect(page.get_by_role("heading", name="Invite a teammate")).to_have_count(0)
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)
    expect(page.locator("form[action='/members/invite/']")).to_have_count(0)
    screenshot(page, "members-viewer")
