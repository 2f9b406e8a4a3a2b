"""Widgets shared by the screens: the Polars-fed table, charts, KPIs, dialogs, the nav bar."""
