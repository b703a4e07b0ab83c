"""The GPT-Live client's tests. Those that check frames against the official ``openai`` SDK's
types, or reach the built-in Responses backend (which uses the SDK), need it: the dev extra
installs it; where it is missing (the dependency matrix installs the test extra only) they
are left out of collection."""

import importlib.util

_NEED_SDK = ["test_live_client_codec.py", "test_live_responses_backend.py"]

collect_ignore = [] if importlib.util.find_spec("openai") else _NEED_SDK
