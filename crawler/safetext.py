"""Text from web pages on its way to a reader: a terminal, an Atom feed, a message.

A page can hold anything (an ESC starting a terminal escape sequence, a BEL, a NUL, characters
that XML forbids, bidirectional overrides that reorder what is shown); none of it is news, and
each can break the place it lands: one ESC in a title makes a whole Atom feed unreadable.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and C1 controls, bidirectional overrides and isolates,
# surrogates, and the two non-characters XML forbids
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def safe_text(text: object) -> str:
    """``text`` without control characters or characters XML does not allow (tab and newline
    stay); ``None`` gives an empty string."""
    return _UNSAFE.sub("", str(text)) if text is not None else ""
