"""What every page of a workspace shows in its navigation: the links (the current page marked
with aria-current, the period and source filter carried along) and the unread notifications."""

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from smarketing.accounts.permissions import is_workspace_request
from smarketing.slas.notifications import notification_unread_count


def notifications(request) -> dict:
    """The signed-in person's unread notifications, counted only when a page shows them."""
    if not is_workspace_request(request) or not request.user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: notification_unread_count(user=request.user)
        )
    }


# (label, URL name, marked current for the view names starting with one of these (a namespace
# ends with ':'), keeps the page filter)
NAVIGATION = (
    ("Overview", "dashboard:home", ("dashboard:home",), True),
    ("Funnel", "dashboard:funnel", ("dashboard:funnel",), True),
    ("Sources", "dashboard:sources", ("dashboard:sources",), True),
    ("Marketing", "dashboard:marketing", ("dashboard:marketing",), True),
    ("Sales", "dashboard:sales", ("dashboard:sales",), True),
    ("Reasons", "dashboard:reasons", ("dashboard:reasons", "dashboard:reason_lists"), True),
    ("KPIs", "dashboard:kpis", ("dashboard:kpis",), True),
    (
        "SLAs",
        "dashboard:slas",
        ("dashboard:sla", "dashboard:breaches"),
        False,
    ),
    ("Glossary", "dashboard:glossary", ("dashboard:glossary",), False),
    ("Report", "dashboard:report", ("dashboard:report",), True),
    ("Planner", "dashboard:planner", ("dashboard:planner",), False),
    ("Data", "funnel:imports", ("funnel:",), False),
    ("Members", "accounts:members", ("accounts:",), False),
    ("Surveys", "surveys:list", ("surveys:",), False),
)
ADMIN_NAVIGATION = (("Settings", "dashboard:settings", ("dashboard:settings",), False),)
# The query keys of the period picker and source filter, carried from page to page.
FILTER_KEYS = ("period", "source")


def is_current(view_name: str, prefixes: tuple[str, ...]) -> bool:
    """`dashboard:sla_create` is under `dashboard:sla`; `surveys:answer` under `surveys:`."""
    return any(view_name.startswith(prefix) for prefix in prefixes)


# (URL configuration, script prefix, name) -> path: every page links to the same fourteen.
_paths: dict[tuple[str | None, str, str], str] = {}


def _path(name: str) -> str:
    key = (get_urlconf(), get_script_prefix(), name)
    path = _paths.get(key)
    if path is None:
        path = _paths[key] = reverse(name)
    return path


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_workspace_request(request):
        return {"navigation": []}
    match = request.resolver_match
    here = match.view_name if match else ""
    query = urlencode(
        {key: value for key in FILTER_KEYS if (value := request.GET.get(key, "").strip())}
    )
    items = NAVIGATION + (ADMIN_NAVIGATION if user.is_workspace_admin else ())
    return {
        "navigation": [
            {
                "label": label,
                "url": _path(name) + (f"?{query}" if keeps and query else ""),
                "current": bool(here) and is_current(here, current),
            }
            for label, name, current, keeps in items
        ]
    }
