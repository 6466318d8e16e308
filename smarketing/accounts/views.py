from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from smarketing.accounts.permissions import RoleRequiredMixin

from . import selectors, services, throttles
from .forms import InvitationAcceptForm, InvitationForm, MemberForm, SignInForm
from .links import workspace_base_url
from .models import Role, User


def site_url(request) -> str:
    """The workspace's address for links in emails: its primary domain with the configured
    scheme and port, never the request's Host header (see `links.workspace_base_url`)."""
    return workspace_base_url()


class MemberListView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, form: InvitationForm | None = None):
        return render(
            request,
            "accounts/members.html",
            {
                "members": selectors.member_list(),
                "invitations": selectors.invitation_pending_list()
                if request.user.is_workspace_admin
                else [],
                "form": form or InvitationForm(),
                "can_manage": request.user.is_workspace_admin,
            },
        )


class InvitationCreateView(RoleRequiredMixin, View):
    minimum_role = Role.ADMIN

    def post(self, request):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_create(invited_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("email", error)
            except throttles.RateLimited as error:
                form.add_error(None, str(error))
                response = MemberListView().get(request, form=form)
                response.status_code = 429
                return response
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("accounts:members")
        return MemberListView().get(request, form=form)


class MemberUpdateView(RoleRequiredMixin, View):
    minimum_role = Role.ADMIN

    def post(self, request, pk: int):
        member = get_object_or_404(User, pk=pk, is_active=True)
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                services.member_update(changed_by=request.user, member=member, **form.cleaned_data)
                messages.success(request, f"{member.email} updated.")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect("accounts:members")


class InvitationAcceptView(View):
    def get(self, request, token: str):
        invitation = services.invitation_get_valid(token=token)
        if invitation is None:
            return render(request, "accounts/invitation_invalid.html", status=410)
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "form": InvitationAcceptForm()},
        )

    def post(self, request, token: str):
        invitation = services.invitation_get_valid(token=token)
        if invitation is None:
            return render(request, "accounts/invitation_invalid.html", status=410)
        form = InvitationAcceptForm(request.POST)
        if form.is_valid():
            try:
                user = services.invitation_accept(token=token, **form.cleaned_data)
            except ValidationError:
                return render(request, "accounts/invitation_invalid.html", status=410)
            login(request, user, backend="smarketing.accounts.backends.WorkspaceModelBackend")
            return redirect("dashboard:home")
        return render(
            request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
        )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form; the emailed link points at the workspace's own address."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"

    def form_valid(self, form):
        address = throttles.client_address(self.request)
        try:
            throttles.hit_or_refuse(
                throttles.limit("password-reset-address"),
                address,
                "Too many reset requests from your address; try again later.",
            )
        except throttles.RateLimited as error:
            form.add_error(None, str(error))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        email = form.cleaned_data["email"]
        per_account = throttles.limit("password-reset-account")
        if throttles.hit(per_account, email) > per_account.count:
            # Past the account's limit: no mail, and the same answer as when one was sent, so
            # neither mail bombing nor the answer tells anything about the account.
            return redirect(self.get_success_url())
        self.extra_email_context = {"workspace_url": workspace_base_url()}
        return super().form_valid(form)


class SignInView(auth_views.LoginView):
    """Django's sign-in, throttled per account and per address (429 once over the limit)."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(self.request, "sign_in_throttled", False):
            response.status_code = 429
        return response
