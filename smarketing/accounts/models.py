import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class Team(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    LEADERSHIP = "leadership", "Leadership"


# Higher rank = more rights; used by the permission helpers in smarketing.accounts.permissions.
ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}


class WorkspaceUserManager(UserManager["User"]):
    def create_workspace_admin(
        self, *, email: str, password: str, team: str = Team.LEADERSHIP
    ) -> "User":
        return self.create_user(
            username=email.lower(),
            email=email.lower(),
            password=password,
            role=Role.ADMIN,
            team=team,
            is_staff=True,
        )


class User(AbstractUser):
    """A person in one workspace (or, in the public schema, a platform operator).

    The username is the email address; the table lives in each workspace's schema.
    """

    email = models.EmailField(unique=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    team = models.CharField(max_length=12, choices=Team.choices, blank=True)

    objects = WorkspaceUserManager()

    REQUIRED_FIELDS = ["email"]

    def has_role(self, minimum: str) -> bool:
        return self.is_active and ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]

    @property
    def is_workspace_admin(self) -> bool:
        return self.has_role(Role.ADMIN)


class Invitation(models.Model):
    """An emailed, single-use invitation to join the workspace with a role and a team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    team = models.CharField(max_length=12, choices=Team.choices)
    # Only a hash of the token is stored: a database leak yields no usable link.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"
