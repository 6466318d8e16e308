"""What the funnel app announces to the apps above it (they subscribe in `AppConfig.ready()`).

The funnel app cannot import the apps that build on its data (STYLE.md: dependencies point one
way), so it announces events instead of calling them.
"""

from django.dispatch import Signal

# An import stored rows, and its transaction committed. Keyword arguments: `import_id`, `kind`
# (leads, deals, spend, traffic, activities or content), and `start` / `end`, the earliest and
# latest timestamps the import wrote *or overwrote* (timezone-aware, both inclusive; dates and
# months as midnight in the workspace time zone).
# Sent with `send`, not `send_robust`: a failing subscriber is an error, never skipped quietly.
import_stored = Signal()

# Stored rejection or loss reasons were relabelled (an admin mapped a value onto a reason,
# renamed one, or added one that names stored values), and the transaction committed. Keyword
# arguments: `start` / `end`, the earliest and latest date of the rows relabelled (inclusive).
reasons_relabelled = Signal()
