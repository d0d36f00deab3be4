"""The trip in Telegram: the pickup and return forms (form), the reminders, the reports to
the managers and their buttons (reports)."""
