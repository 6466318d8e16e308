"""Reads of the KPI engine, by topic.

- `context`: the workspace settings a computation depends on, and period parsing;
- `reports`: KPIs of any period (computed live, or read from its snapshot);
- `snapshots`: stored snapshots, series of them, the default month, refresh jobs;
- `anomalies`: spikes and dips, and the stability of rates, from snapshots;
- `planner`: the goal planner's rates and figures.

The SQL statement itself is compiled in `smarketing.kpis.sql`; formulas live in
`smarketing.kpis.definitions`.
"""
