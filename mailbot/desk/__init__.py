"""desk stage: decides what happens to an understood message.

decide.Desk      the entry point (decide, capacity, set_capacity, reconcile)
rules            named, side-effect-free rules (order in rules/desk.toml) -> a Plan
seats            the seat book: capacity, waiting list, promotions, SeatEvent history
signup/withdraw  registrations (incl. additions) and cancellations; swaps: substitutions
matching         who a message is about (sender's registrations, organisation, names)
answers/replies  which reply, rendered from rules/templates/<lang>/<purpose>.j2 (+ invitation .ics)
"""
