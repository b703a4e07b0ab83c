"""Speech the simulator can hear: text carried by tones, and the transcriber that reads them.

See ``_plan`` for the modem's design.
"""

from __future__ import annotations

from ._decoder import SpeechDecoder, decode_speech, transcribe
from ._encoder import encode_speech

__all__ = ["SpeechDecoder", "decode_speech", "encode_speech", "transcribe"]
