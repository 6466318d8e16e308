"""Writes about people: invitations, accepting them, roles and teams."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import throttles
from .links import workspace_url
from .models import Invitation, Role, Team, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, invited_by: User, email: str, role: str, team: str
) -> tuple[Invitation, str]:
    """Create an invitation and email its link (after commit). Returns it with the raw token."""
    if not invited_by.is_workspace_admin:
        raise ValidationError("Only workspace admins can invite people.")
    # Raises RateLimited: an admin's account must not become a mail cannon.
    throttles.hit_or_refuse(
        throttles.limit("invitations-admin"),
        str(invited_by.pk),
        "You have sent many invitations in the last hour; try again later.",
    )
    email = email.strip().lower()
    if role not in Role.values or team not in Team.values:
        raise ValidationError("Unknown role or team.")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of this workspace.")
    token = secrets.token_urlsafe(32)  # 256 bits
    with transaction.atomic():
        # A newer invitation replaces any pending one for the same address.
        Invitation.objects.filter(email=email, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            team=team,
            token_hash=token_hash(token),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        link = workspace_url(reverse("accounts:invitation_accept", args=[token]))
        transaction.on_commit(
            lambda: send_mail(
                subject="You are invited to smarketing",
                message=(
                    f"{invited_by.get_full_name() or invited_by.email} invited you to join the "
                    f"workspace as {role} ({team}).\n\nAccept the invitation: {link}\n\n"
                    f"The link works once and expires in {settings.INVITATION_VALID_DAYS} days."
                ),
                from_email=None,
                recipient_list=[email],
            )
        )
    return invitation, token


def invitation_get_valid(*, token: str) -> Invitation | None:
    """The pending invitation for this token, or None when it is unknown, used or expired."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if invitation.expires_at <= timezone.now():
        return None
    return invitation


def invitation_accept(
    *, token: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Turn a valid invitation into an account. The token cannot be used again."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
        )
        if invitation is None or invitation_get_valid(token=token) is None:
            raise ValidationError("This invitation link is no longer valid.")
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=first_name,
            last_name=last_name,
            role=invitation.role,
            team=invitation.team,
            is_staff=invitation.role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return user


def member_update(
    *, changed_by: User, member: User, role: str | None = None, team: str | None = None
) -> User:
    """Change a member's role or team. Admins only; the last admin cannot step down."""
    if not changed_by.is_workspace_admin:
        raise ValidationError("Only workspace admins can change roles and teams.")
    with transaction.atomic():
        if role is not None:
            if role not in Role.values:
                raise ValidationError("Unknown role.")
            other_admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(
                pk=member.pk
            )
            if member.role == Role.ADMIN and role != Role.ADMIN and not other_admins.exists():
                raise ValidationError("A workspace needs at least one admin.")
            member.role = role
            # Django's admin is for workspace admins only.
            member.is_staff = role == Role.ADMIN
        if team is not None:
            if team not in Team.values:
                raise ValidationError("Unknown team.")
            member.team = team
        member.save(update_fields=["role", "team", "is_staff"])
    return member
