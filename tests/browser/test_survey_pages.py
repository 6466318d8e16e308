"""Survey pages as people use them: a newcomer in the demo history, answering on a phone.

Data is seeded through the survey services (and the demo seed `make run` uses) in committed
form; invitations go to a real Celery worker on a private queue. The minimum fill time is
lowered to one second here, and the tests take that second the way a person would.
"""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from smarketing.accounts.models import User
from smarketing.funnel.models import Lead
from surveys import services, tokens
from surveys.demo import survey_demo_seed
from surveys.models import Invitee, Response, Survey, SurveyKind, SurveyStatus
from surveys.question_bank import QUESTION_BANK
from tests.browser.conftest import PASSWORD, Person, add_person

MIN_FILL_SECONDS = 1
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SOURCES = ["referral", "events", "paid_social", "webinar"]


@pytest.fixture(autouse=True)
def _short_fill_time(settings, celery_worker_process):
    """One second of minimum fill time; opening a survey enqueues invitations for the worker."""
    settings.SURVEY_MIN_FILL_SECONDS = MIN_FILL_SECONDS


def _after_fill_time(page: Page, shown_at: float) -> None:
    """Wait, as a person reading the question would, until the fill time has passed."""
    deadline_ms = int((shown_at + MIN_FILL_SECONDS + 0.2) * 1000)
    page.wait_for_function(f"() => Date.now() > {deadline_ms}")  # a function: no eval (CSP)


PHONE_320 = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}


_WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))"""


def _no_sideways_scroll(page: Page) -> None:
    width, viewport = page.evaluate("document.documentElement.scrollWidth"), page.viewport_size
    assert width <= viewport["width"], f"{width}px wide: {page.evaluate(_WIDE, viewport['width'])}"


# Elements sticking out of the viewport, or out of a card (a card scrolls what is too wide for
# it, so such an element is clipped until someone scrolls the card sideways).
_CLIPPED = """() => {
  const out = [];
  for (const card of document.querySelectorAll('.card')) {
    const box = card.getBoundingClientRect();
    if (box.right > innerWidth + 1 || card.scrollWidth > card.clientWidth + 1) {
      out.push(card.querySelector('h1,h2')?.textContent || card.className);
    }
  }
  return out;
}"""


def _nothing_clipped(page: Page) -> None:
    _no_sideways_scroll(page)
    assert page.evaluate(_CLIPPED) == []


def _bar_widths(page: Page, rows) -> list[float]:
    return [row.locator(".bar").bounding_box()["width"] for row in rows]


def _alignment_survey(workspace, *, title: str, members: int, threshold: int = 3) -> Survey:
    """An open pulse (first three bank statements) inviting `members` new sales people."""
    run = uuid.uuid4().hex[:8]
    admin = add_person(workspace, f"admin-{run}@browser.test", "admin", "leadership")
    for n in range(members):
        add_person(workspace, f"sales{n}-{run}@browser.test", "member", "sales")
    with schema_context(workspace.schema_name):
        admin_user = User.objects.get(email=admin.email)
        survey = services.survey_create(
            created_by=admin_user,
            kind=SurveyKind.ALIGNMENT,
            title=title,
            statements=services.statements_from(
                bank_keys=[item["key"] for item in QUESTION_BANK[:3]]
            ),
            invite_user_ids=list(
                User.objects.filter(
                    email__endswith=f"-{run}@browser.test", team="sales"
                ).values_list("pk", flat=True)
            ),
            anonymity_threshold=threshold,
            site_url=workspace.url("").rstrip("/"),
        )
        return services.survey_open(survey=survey, opened_by=admin_user)


def _links(workspace, survey: Survey) -> list[str]:
    with schema_context(workspace.schema_name):
        return [
            workspace.url(f"/surveys/r/{tokens.invitee_token(survey_id=survey.pk, nonce=n)}/")
            for n in Invitee.objects.filter(survey=survey)
            .order_by("pk")
            .values_list("nonce", flat=True)
        ]


def test_newcomer_sees_the_demo_history_and_answers_the_open_pulse(
    page, new_page, workspace_factory, sign_in, screenshot
):
    demo = workspace_factory(name="Demo Co")
    add_person(demo, "owner@demo-co.test", "admin", "leadership")
    with schema_context(demo.schema_name):
        start = timezone.now() - timedelta(days=400)
        Lead.objects.bulk_create(
            Lead(
                lead_id=f"L{n}",
                created_at=start,
                customer_at=start + timedelta(days=30),
                source=SOURCES[n % len(SOURCES)],
                campaign=f"{SOURCES[n % len(SOURCES)]}-spring",
                owner="Alex Romero",
            )
            for n in range(240)
        )
        assert survey_demo_seed()
        # A marketing member invited to the current wave who has not answered yet.
        current = Survey.objects.get(kind=SurveyKind.ALIGNMENT, status=SurveyStatus.OPEN)
        invitee = Invitee.objects.filter(survey=current, team="marketing", responded=False).first()
        newcomer = invitee.user
        newcomer.set_password(PASSWORD)
        newcomer.save(update_fields=["password"])
        responses_before = Response.objects.filter(survey=current).count()
        closed = Survey.objects.filter(status=SurveyStatus.CLOSED).order_by("-opened_at").first()
    sign_in(page, Person(newcomer.email, "member"), demo)

    page.get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", name="Surveys")).to_be_visible()
    expect(page.get_by_role("link", name="Customer NPS")).to_be_visible()
    expect(page.get_by_text("Closed")).to_have_count(3)
    # The bars of the alignment trend are as long as the scores (0–100) say.
    trend = page.locator("table").nth(1).locator("tbody tr")
    expect(trend).to_have_count(4)
    # The open wave's results wait for its close; the closed ones show their score.
    expect(trend.nth(3)).to_contain_text("released when the wave closes")
    rows = trend.all()[:3]
    scores = [float(row.locator("td").nth(2).inner_text()) for row in rows]
    track = rows[0].locator(".bar-track").bounding_box()["width"]
    for width, score in zip(_bar_widths(page, rows), scores, strict=True):
        assert width == pytest.approx(track * score / 100, abs=1.5)
    assert scores == sorted(scores)  # the demo's story: alignment improves wave by wave
    screenshot(page, "surveys-list-newcomer")

    page.get_by_role("link", name=closed.title).first.click()
    expect(page.get_by_role("heading", name="Perception gaps, largest first")).to_be_visible()
    closed_wave_url = page.url
    gaps = page.locator("table").first.locator("tbody tr")
    expect(gaps).to_have_count(7)
    values = [float(row.locator("td").nth(3).inner_text()) for row in gaps.all()]
    assert values == sorted(values, reverse=True)
    track = gaps.first.locator(".bar-track").bounding_box()["width"]
    for width, gap in zip(_bar_widths(page, gaps.all()), values, strict=True):
        assert width == pytest.approx(track * gap / 4, abs=1.5)
    expect(page.get_by_text("Gap-adjusted agreement (0–100)")).to_be_visible()
    expect(page.get_by_role("heading", name="Manage")).to_have_count(0)  # a member manages nothing
    screenshot(page, "survey-closed-wave")
    # The team filter changes only when asked: arrow keys move the choice, the button shows it.
    closed_url = page.url
    page.get_by_label("Team").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.url == closed_url
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**team=sales**")
    expect(page.get_by_label("Team")).to_have_value("sales")

    page.get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="Customer NPS").click()
    expect(page.get_by_role("heading", name="Net Promoter Score")).to_be_visible()
    months = page.locator("table").first.locator("tbody tr")
    expect(months).to_have_count(13)  # this month and the twelve before it
    by_source = page.locator("h3", has_text="By lead source").locator("..").locator("tbody tr")
    sources = [row.locator("td").first.inner_text() for row in by_source.all()]
    assert set(SOURCES) & set(sources) and "(no lead)" in sources
    # Personal links and the public link are counted apart: participation is honest.
    participation = page.locator(".participation")
    expect(participation).to_contain_text("Public link answers")
    expect(participation).to_contain_text("% of invited")
    screenshot(page, "survey-nps-year")
    nps_url = page.url

    for name, device in (("390", PHONE), ("320", PHONE_320)):
        phone = new_page(**device)
        sign_in(phone, Person(newcomer.email, "member"), demo)
        phone.goto(closed_wave_url)
        expect(phone.get_by_role("heading", name="Perception gaps, largest first")).to_be_visible()
        _nothing_clipped(phone)
        for bar in phone.locator("table.gaps .bar-track").all():
            box = bar.bounding_box()
            assert box is not None and box["x"] + box["width"] <= device["viewport"]["width"]
        screenshot(phone, f"survey-closed-wave-{name}")
        phone.goto(nps_url)
        expect(phone.get_by_role("heading", name="Net Promoter Score")).to_be_visible()
        _nothing_clipped(phone)
        screenshot(phone, f"survey-nps-year-{name}")

    page.get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="Answer now").click()
    shown_at = time.time()
    expect(page.get_by_text("Your answers are anonymous")).to_be_visible()
    statements = page.get_by_role("group")
    expect(statements).to_have_count(7)
    for statement in statements.all():
        statement.get_by_text("4", exact=True).click()
    page.get_by_role("textbox", name="Comment on: I trust the funnel").fill(
        "Better than last year."
    )
    _after_fill_time(page, shown_at)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    screenshot(page, "survey-answered-by-newcomer")

    page.get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("link", name="Answer now")).to_have_count(0)
    with schema_context(demo.schema_name):
        assert Invitee.objects.get(pk=invitee.pk).responded is True
        assert Response.objects.filter(survey=current).count() == responses_before + 1
        assert Response.objects.filter(
            survey=current, answers__comment="Better than last year."
        ).exists()


def test_public_nps_link_answered_on_a_phone(new_page, browser_workspace, screenshot, settings):
    admin = add_person(browser_workspace, f"nps-{uuid.uuid4().hex[:8]}@browser.test", "admin")
    with schema_context(browser_workspace.schema_name):
        survey = services.survey_create(
            created_by=User.objects.get(email=admin.email),
            kind=SurveyKind.NPS,
            title=f"Phone NPS {uuid.uuid4().hex[:6]}",
            public_link_enabled=True,
        )
        survey = services.survey_open(survey=survey)
    phone = new_page(**PHONE)
    url = browser_workspace.url(f"/surveys/p/{survey.public_id}/")

    phone.goto(url)
    shown_at = time.time()
    question = phone.get_by_role("group", name=survey.question)
    expect(question).to_be_visible()
    _no_sideways_scroll(phone)
    # Eleven equal buttons (two rows on a phone): no score looks bigger than another.
    widths = {
        round(box["width"])
        for box in (question.locator("label").nth(n).bounding_box() for n in range(11))
    }
    assert len(widths) == 1 and widths.pop() >= 40
    # The honeypot is off screen and skipped by the keyboard: a person never fills it.
    honeypot = phone.locator("input[name=website]")
    expect(honeypot).not_to_be_in_viewport()
    expect(honeypot).to_have_attribute("tabindex", "-1")
    screenshot(phone, "survey-nps-phone")

    question.get_by_text("9", exact=True).tap()
    phone.get_by_label("Why? (optional)").fill("Support answers within the hour.")
    # A quick thumb (a long minimum makes this send too quick whatever the machine's pace):
    # it is refused, but nothing chosen or written is lost.
    settings.SURVEY_MIN_FILL_SECONDS = 600
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_role("alert")).to_contain_text("very quick")
    expect(phone.get_by_role("radio", name="9", exact=True)).to_be_checked()
    expect(phone.get_by_label("Why? (optional)")).to_have_value("Support answers within the hour.")
    screenshot(phone, "survey-nps-phone-too-quick")
    settings.SURVEY_MIN_FILL_SECONDS = MIN_FILL_SECONDS
    _after_fill_time(phone, shown_at)  # counted from the first display, not from the bounce
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()
    _no_sideways_scroll(phone)
    screenshot(phone, "survey-nps-phone-thanks")

    with schema_context(browser_workspace.schema_name):
        assert list(Response.objects.filter(survey=survey).values_list("score", "comment")) == [
            (9, "Support answers within the hour.")
        ]
    phone.goto(url)  # the same phone again
    expect(phone.get_by_role("heading", name="You have already answered")).to_be_visible()
    # The link is shared: it is this browser that has answered, not "the link".
    expect(phone.locator(".card")).to_contain_text("This browser has already sent an answer")
    expect(phone.locator(".card")).not_to_contain_text("Each")
    screenshot(phone, "survey-nps-phone-answered-again")


def test_personal_alignment_link_answered_on_a_phone(new_page, browser_workspace, screenshot):
    survey = _alignment_survey(browser_workspace, title="Phone pulse", members=3)
    link = _links(browser_workspace, survey)[0]
    phone = new_page(**PHONE)

    phone.goto(link)
    shown_at = time.time()
    expect(phone.get_by_text("Your answers are anonymous")).to_be_visible()
    _no_sideways_scroll(phone)
    statements = phone.get_by_role("group")
    expect(statements).to_have_count(3)
    # The 1–5 words are hidden on a phone, so each scale says which end is which, and each
    # option is still named with its words for a screen reader.
    expect(statements.first.get_by_text("5 · Strongly agree")).to_be_visible()
    for name in ("1 – Strongly disagree", "3 – Neutral", "5 – Strongly agree"):
        expect(statements.first.get_by_role("radio", name=name, exact=True)).to_have_count(1)
    screenshot(phone, "survey-pulse-phone")
    for value, statement in zip(["2", "5", "3"], statements.all(), strict=True):
        statement.get_by_text(value, exact=True).tap()
    _after_fill_time(phone, shown_at)
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()
    screenshot(phone, "survey-pulse-phone-thanks")

    with schema_context(browser_workspace.schema_name):
        (response,) = Response.objects.filter(survey=survey)
        assert response.team == "sales"
        assert sorted(response.answers.values_list("value", flat=True)) == [2, 3, 5]
        assert Invitee.objects.filter(survey=survey, responded=True).count() == 1


def test_used_and_closed_links_show_a_clear_page(new_page, browser_workspace, screenshot):
    survey = _alignment_survey(browser_workspace, title="Used link pulse", members=1)
    (link,) = _links(browser_workspace, survey)
    token = link.rstrip("/").rsplit("/", 1)[1]
    with schema_context(browser_workspace.schema_name):
        ids = list(survey.statements.values_list("pk", flat=True))
        services.survey_response_submit(token=token, values=dict.fromkeys(ids, 4))
    phone = new_page(**PHONE)

    response = phone.goto(link)
    assert response is not None and response.status == 410
    expect(phone.get_by_role("heading", name="You have already answered")).to_be_visible()
    expect(phone.locator(".card")).to_contain_text("has been used for “Used link pulse”")
    expect(phone.get_by_role("button", name="Send")).to_have_count(0)
    screenshot(phone, "survey-link-used")

    closed = _alignment_survey(browser_workspace, title="Closed pulse", members=1)
    with schema_context(browser_workspace.schema_name):
        services.survey_close(survey=closed)
    response = phone.goto(_links(browser_workspace, closed)[0])
    assert response is not None and response.status == 410
    expect(phone.get_by_role("heading", name="This survey has closed")).to_be_visible()
    screenshot(phone, "survey-link-closed")


def test_admin_manages_surveys_on_a_phone_and_invites_a_newcomer_to_an_open_pulse(
    new_page, browser_workspace, sign_in, screenshot
):
    run = uuid.uuid4().hex[:8]
    admin = add_person(browser_workspace, f"boss-{run}@browser.test", "admin", "leadership")
    pulse = _alignment_survey(browser_workspace, title=f"Open pulse {run}", members=3)
    newcomer = add_person(browser_workspace, f"newcomer-{run}@browser.test", "member", "sales")
    with schema_context(browser_workspace.schema_name):
        admin_user = User.objects.get(email=admin.email)
        nps = services.survey_create(
            created_by=admin_user,
            kind=SurveyKind.NPS,
            title=f"Manage NPS {run}",
            public_link_enabled=True,
            site_url=browser_workspace.url("").rstrip("/"),
        )
        nps = services.survey_open(survey=nps, opened_by=admin_user)

    for name, device in (("390", PHONE), ("320", PHONE_320)):
        phone = new_page(**device)
        sign_in(phone, admin)
        phone.goto(browser_workspace.url(f"/surveys/{nps.pk}/"))
        expect(phone.get_by_role("heading", name="Manage", exact=True)).to_be_visible()
        expect(phone.locator(".public-link")).to_contain_text("one shared link")
        _nothing_clipped(phone)
        screenshot(phone, f"survey-nps-manage-{name}")

    phone.goto(browser_workspace.url(f"/surveys/{pulse.pk}/"))
    expect(phone.locator("#release-note")).to_contain_text("released when the survey closes")
    _nothing_clipped(phone)
    phone.get_by_label("People").select_option(label=f"{newcomer.email} · Sales")
    phone.get_by_role("button", name="Invite").tap()
    expect(phone.get_by_text("1 person invited")).to_be_visible()
    expect(phone.get_by_role("option", name=newcomer.email)).to_have_count(0)  # invited now
    screenshot(phone, "survey-pulse-invited-newcomer-320")
    with schema_context(browser_workspace.schema_name):
        assert Invitee.objects.filter(survey=pulse, email=newcomer.email, team="sales").exists()
