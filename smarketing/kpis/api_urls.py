"""API of the kpis app, mounted under /api/v1/ on a workspace's host."""

urlpatterns: list = []
