"""Pages of the kpis app on a workspace's host."""

app_name = "kpis"

urlpatterns: list = []
