from django.db.models import QuerySet

from .models import Invitation, User


def member_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("team", "email")


def invitation_pending_list() -> QuerySet[Invitation]:
    return Invitation.objects.filter(accepted_at=None, revoked_at=None).order_by("-created_at")
