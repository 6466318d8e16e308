"""Pages of the surveys app on a workspace's host."""

app_name = "surveys"

urlpatterns: list = []
