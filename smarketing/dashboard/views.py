from django.views.generic import TemplateView

from smarketing.accounts.models import Role
from smarketing.core.permissions import RoleRequiredMixin


class HomeView(RoleRequiredMixin, TemplateView):
    minimum_role = Role.VIEWER
    template_name = "dashboard/home.html"
