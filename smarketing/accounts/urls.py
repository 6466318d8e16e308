from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("members/", views.MemberListView.as_view(), name="members"),
    path("members/invite/", views.InvitationCreateView.as_view(), name="invite"),
    path("members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_update"),
    path(
        "invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"
    ),
]

# Sign-in, sign-out and password reset use Django's views with our templates; they are
# named without a namespace because Django's auth views reverse those names.
auth_urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
