"""The simulator's GPT-Live mode, checked with the official ``openai`` SDK (its client and its
``openai.types.live`` types, through ``live_wire``): the dev extra installs it; where it is
missing (the dependency matrix installs the test extra only) those modules are left out of
collection."""

import importlib.util

_NEED_SDK = [
    "test_live_responses_delegation.py",
    "test_live_sdk_conversation.py",
    "test_live_session_life.py",
    "test_live_strictness.py",
]

collect_ignore = [] if importlib.util.find_spec("openai") else _NEED_SDK
