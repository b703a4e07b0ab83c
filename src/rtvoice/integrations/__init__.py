"""Integrations: bridges between a session and the systems that carry calls to it.

Each integration lives in a module of its own (a phone network's media stream, a SIP
trunk, a browser socket) and depends on rtvoice's public API only: a session, its events and
its methods. None is imported by the rest of rtvoice, and none forces a web framework on its
user.

* :mod:`rtvoice.integrations.twilio`: Twilio Media Streams (a phone number's calls).
* :mod:`rtvoice.integrations.sip`: OpenAI SIP calls and ephemeral client secrets.
"""

from __future__ import annotations

__all__: list[str] = []
