"""The Telegram face of Covoisin: parse what a member sent, ask the domain (bot/), say the
outcome. Features, registered in this order by bot/app.py: membership (the bot and its
groups), cars (listing, the car form), admin (bans, settings, journal, export), privacy,
trip (pickup and return forms, reminders and reports), booking (requests, decisions,
cancellation, departures, the charter), reputation (profiles, vouches, feedback),
availability, start, help. Each imports handlers.common, bot and storage models, never
another feature; what one feature does at a moment another owns is wired in bot/app.py.
"""
