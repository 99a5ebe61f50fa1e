"""notify: notifications, alerts, messages and school events."""
