"""Pages of the funnel app on a workspace's host."""

app_name = "funnel"

urlpatterns: list = []
