"""mailbot: e-mail intake for Drammen kommune's climate workshop.

The flow, one sub-package per stage: intake -> parse -> understand -> decide (desk) -> act -> report.
"""

__version__ = "0.1.0"
