"""What every feature of the Telegram face shares, and nothing feature-specific.

context (the typed context and bot_data), speech (who reads, in which language),
delivery (private messages, kept when a private chat is closed, one group line for them;
`tell_each` tells several members each in their own language), prompts and buttons,
guards (is this person in the group now, as Telegram says), members (who a command names),
render (dates and names), records (a member's record in one line), places (where a car
command acts), conversations (forms that survive a restart), jobs (the bookings' one timer),
admins, menus, errors (the last resort).
"""
