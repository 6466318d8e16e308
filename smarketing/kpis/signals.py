"""What the KPI engine announces to the apps above it (they subscribe in `AppConfig.ready()`):
the KPI app cannot import the apps that judge its figures (STYLE.md: dependencies point one way).
"""

from django.dispatch import Signal

# A snapshot refresh job finished and its snapshots committed. Keyword arguments: `job_id` and
# `periods`, the (grain, period_start) pairs the job computed (grain "week", "month" or
# "quarter"; period_start timezone-aware), whether or not their values changed.
# Sent with `send`, not `send_robust`: a failing subscriber is an error, never skipped quietly.
snapshots_refreshed = Signal()
