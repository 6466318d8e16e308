"""What the configuration app announces to the apps above it (they subscribe in
`AppConfig.ready()`): configuration is a leaf and imports no domain app (STYLE.md)."""

from django.dispatch import Signal

# A setting that KPI values depend on changed: the response SLA, the conversion window, channel
# ownership or the time zone. Keyword argument: `time_zone_changed` (bool; periods start at
# local midnight, so snapshots of the old zone describe other periods). Sent inside the
# settings transaction, so what subscribers write commits or rolls back with the change.
# Optional keyword `since` (aware datetime): the change affects periods from then on only (an
# exchange rate of one month); `whole_history` (bool): it affects every period (a rate for every
# month). Without either, the trailing months are recomputed.
kpi_inputs_changed = Signal()
