"""reports: a read model of the journal's events, reports and forecasts."""
