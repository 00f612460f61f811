"""report stage: what the advisor and the operator read.

digest   - the daily digest (build_digest, due_digest, digest_now); templates in rules/templates/digest/
export   - participants and inputs as CSV / Markdown
status   - `mailbot status` (StatusReport)
privacy  - forget(email), purge_expired (retention after the event)
"""
